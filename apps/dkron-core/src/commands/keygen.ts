/**
 * `dkron-core keygen`: a key for `--encrypt`.
 */

import { randomBytes } from 'node:crypto';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { renderCommandHelp } from './help.js';
import { type Command, EXIT } from './types.js';

/** A new base64 key of 16 random bytes, as `dkron keygen` makes. */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/** `dkron-core keygen`. */
export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'Generate a key for --encrypt',
  usage: 'keygen',
  description: 'Prints a new base64 key of 16 random bytes; give the same key to every node with --encrypt.',
  flags: [],
  async run(argv, context) {
    const args = parseArgv(argv, [], 'keygen');
    if (args.help) {
      context.stdout(renderCommandHelp(keygenCommand, 'keygen'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'keygen');
    context.stdout(`${generateKey()}\n`);
    return EXIT.ok;
  },
};
