/**
 * A small pflag-compatible argument parser: `--name value`, `--name=value`, boolean `--name` and
 * `--name=false`, repeated flags, `-x` short names and `--` ending the flags. node:util parseArgs
 * refuses `--bool=false` (Dkron's docs use it) and its messages name no command, hence this one.
 */

import { UsageError } from './errors.js';
import { suggest } from './suggest.js';

/** A flag a command accepts. */
export interface FlagDef {
  /** Long name without dashes. */
  readonly name: string;
  /** One-letter name without the dash. */
  readonly short?: string;
  /** False for booleans: `--flag` alone means true. */
  readonly takesValue: boolean;
}

/** What {@link parseArgv} found. */
export interface ParsedArgv {
  /** Values per long flag name, in command-line order (`'true'`/`'false'` for booleans). */
  readonly flags: ReadonlyMap<string, readonly string[]>;
  /** Arguments that are not flags. */
  readonly positionals: readonly string[];
  /** `-h` or `--help` was given; nothing else is checked then. */
  readonly help: boolean;
}

/**
 * Parses `argv` against `defs`. `command` (`agent`, `raft list-peers`) names the help to point to.
 *
 * @throws {UsageError} on an unknown flag or a missing value.
 */
export function parseArgv(argv: readonly string[], defs: readonly FlagDef[], command: string): ParsedArgv {
  if (wantsHelp(argv)) return { flags: new Map(), positionals: [], help: true };
  const dashDash = argv.indexOf('--');
  const flagPart = dashDash === -1 ? argv : argv.slice(0, dashDash);

  const seeHelp = `(see dkron-core ${command} --help)`;
  const byName = new Map(defs.map((d) => [d.name, d]));
  const byShort = new Map(defs.filter((d) => d.short).map((d) => [d.short as string, d]));
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];

  for (let i = 0; i < flagPart.length; i++) {
    const arg = flagPart[i] as string;
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const body = arg.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const def = long ? byName.get(name) : byShort.get(name);
    const shown = `${long ? '--' : '-'}${name}`;
    if (!def) throw new UsageError(unknownFlag(shown, defs, seeHelp));
    let value: string;
    if (eq !== -1) {
      value = body.slice(eq + 1);
    } else if (!def.takesValue) {
      value = 'true';
    } else {
      const next = flagPart[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`${shown} needs a value ${seeHelp}`);
      value = next;
      i++;
    }
    const values = flags.get(def.name) ?? [];
    values.push(value);
    flags.set(def.name, values);
  }
  if (dashDash !== -1) positionals.push(...argv.slice(dashDash + 1));
  return { flags, positionals, help: false };
}

function unknownFlag(shown: string, defs: readonly FlagDef[], seeHelp: string): string {
  const best = suggest(
    shown.replace(/^-+/, ''),
    defs.map((d) => d.name),
  );
  return best === undefined
    ? `unknown flag ${shown} ${seeHelp}`
    : `unknown flag ${shown}, did you mean --${best}? ${seeHelp}`;
}

/** True when `argv` asks for help (`-h` or `--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const dashDash = argv.indexOf('--');
  const flagPart = dashDash === -1 ? argv : argv.slice(0, dashDash);
  return flagPart.includes('--help') || flagPart.includes('-h');
}

/** Refuses positional arguments for commands that take none. */
export function expectNoPositionals(args: ParsedArgv, command: string): void {
  const [first] = args.positionals;
  if (first !== undefined) {
    throw new UsageError(`unexpected argument ${JSON.stringify(first)} (see dkron-core ${command} --help)`);
  }
}
