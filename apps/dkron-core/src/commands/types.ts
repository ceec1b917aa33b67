/**
 * The shape of a CLI command. Help, `dkron-core doc` and the parser read the same {@link FlagDoc}s.
 */

import type { FlagDef } from '../config/argv.js';

/** Exit statuses: 0 ok, 1 the work failed, 2 the command line or the config is wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** What a command may touch, injected so commands are testable without the real process. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home?: string;
  /** System config directory (default `/etc/dkron`). */
  readonly etcDir?: string;
  /** Writes to standard output (the text carries its own newlines). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
}

/** A flag as documented in help and generated docs; it is also a parser {@link FlagDef}. */
export interface FlagDoc extends FlagDef {
  readonly description: string;
  /** Value name shown in help (`<addr>`). */
  readonly placeholder?: string;
  /** Default shown in help. */
  readonly default?: string;
  /** Environment variable that also sets it. */
  readonly env?: string;
  /** Help section. */
  readonly group?: string;
}

/** A CLI command. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line after `dkron-core `, e.g. `schedule <expression> [flags]`. */
  readonly usage: string;
  /** Paragraphs shown in help and docs. */
  readonly description?: string;
  readonly flags: readonly FlagDoc[];
  /** Extra help sections (title and body), e.g. config-file-only keys. */
  readonly sections?: ReadonlyArray<{ readonly title: string; readonly body: string }>;
  readonly examples?: readonly string[];
  /** Subcommands (`raft list-peers`); the command itself then only prints help. */
  readonly subcommands?: readonly Command[];
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: readonly string[], context: CliContext): Promise<number>;
}
