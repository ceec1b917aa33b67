/** Why a command line could not be split into words. */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

// Outside quotes these would be pipes, lists or redirections in a shell; without one they cannot work.
const OPERATORS = new Set([';', '&', '|', '<', '>']);
// Inside double quotes a backslash only escapes these (POSIX); elsewhere it stays a backslash.
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);
const isBlank = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/**
 * Splits a command line into argv words with POSIX shell quoting rules and nothing else: `'…'` is
 * literal, `"…"` allows `\"`, `\\`, `\$`, `` \` ``, a backslash outside quotes escapes the next
 * character, and `""` is an empty word. No variable, glob, tilde or command expansion happens (`$HOME`
 * stays `$HOME`), as in Dkron's non-shell mode.
 *
 * Unlike go-shellwords (which silently drops everything after an unquoted `;`, `&`, `|`, `<` or `>`),
 * such an operator is refused: it only works with `shell: true`, and running half the command is worse
 * than failing.
 *
 * @throws {@link CommandLineError} on an unterminated quote, a trailing backslash or an unquoted operator.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = '';
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = '';
      else if (ch === '\\' && i + 1 < line.length && DOUBLE_QUOTE_ESCAPES.has(line[i + 1] as string)) {
        i++;
        // A quoted backslash-newline is a line continuation: both characters vanish.
        if (line[i] !== '\n') word += line[i];
      } else word += ch;
      continue;
    }
    if (isBlank(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new CommandLineError('shell: command ends with a lone backslash');
      i++;
      if (line[i] !== '\n') word += line[i];
      else if (word === '') inWord = false;
    } else if (OPERATORS.has(ch)) {
      throw new CommandLineError(
        `shell: "${ch}" in the command needs a shell; set "shell": "true" or quote it (the command is run without a shell)`,
      );
    } else {
      word += ch;
    }
  }
  if (quote !== '')
    throw new CommandLineError(`shell: unterminated ${quote === '"' ? 'double' : 'single'} quote in command`);
  if (inWord) words.push(word);
  return words;
}
