/**
 * Command lines without their secrets, for anything that shows them (`/debug/vars`).
 */

import { AGENT_OPTIONS } from './options.js';

/** What a secret value is replaced with. */
export const REDACTED = '[redacted]';

const SECRET_FLAGS: ReadonlySet<string> = new Set(AGENT_OPTIONS.filter((o) => o.secret).map((o) => o.name));

/**
 * `argv` with the value of every secret option (`--mail-password`, `--webhook-headers`, URLs that may
 * carry credentials, …) replaced by {@link REDACTED}, in the `--name value`, `--name=value` and
 * single-dash forms. Everything after `--` is kept as it is (it is no flag).
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const match = /^--?([^=]+)(=.*)?$/.exec(arg);
    const name = match?.[1];
    if (name === undefined || !SECRET_FLAGS.has(name)) {
      out.push(arg);
    } else if (match?.[2] !== undefined) {
      out.push(`${arg.slice(0, arg.indexOf('='))}=${REDACTED}`);
    } else {
      out.push(arg);
      if (i + 1 < argv.length) {
        out.push(REDACTED);
        i++;
      }
    }
  }
  return out;
}
