/**
 * What the shell executor can only find out when it runs a command, found when the job is saved instead:
 * without `shell`, a command is split into words with POSIX quoting and nothing else (the executor's
 * `splitCommand`), so an unquoted `;`, `&`, `|`, `<` or `>`, an unterminated quote or a trailing lone
 * backslash can never work. The scan follows the same quoting rules as that splitter.
 */

const OPERATORS = new Set([';', '&', '|', '<', '>']);
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);

/** Why `command` cannot run without a shell, or `undefined` when it can. */
export function unsplittableCommand(command: string): string | undefined {
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = '';
    } else if (quote === '"') {
      if (ch === '"') quote = '';
      else if (ch === '\\' && DOUBLE_QUOTE_ESCAPES.has(command[i + 1] as string)) i++;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '\\') {
      if (i + 1 >= command.length) return 'the command ends with a lone backslash';
      i++;
    } else if (OPERATORS.has(ch)) {
      return `"${ch}" in the command needs a shell; set "shell": "true" or quote it`;
    }
  }
  if (quote !== '') return `unterminated ${quote === '"' ? 'double' : 'single'} quote in the command`;
  return undefined;
}
