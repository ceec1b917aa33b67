/**
 * `dkron-core version`.
 */

import { readFileSync } from 'node:fs';
import { PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { renderCommandHelp } from './help.js';
import { type Command, EXIT } from './types.js';

/** The version of this package, read from its package.json (same relative place in src/ and dist/). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** `dkron-core version`. */
export const versionCommand: Command = {
  name: 'version',
  summary: 'Show the version of dkron-core',
  usage: 'version',
  flags: [],
  async run(argv, context) {
    const args = parseArgv(argv, [], 'version');
    if (args.help) {
      context.stdout(renderCommandHelp(versionCommand, 'version'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'version');
    context.stdout(
      [
        'Name: dkron-core',
        `Version: ${packageVersion()}`,
        `Plugin API: ${PLUGIN_API_VERSION}`,
        `Node: ${process.version}`,
      ].join('\n') + '\n',
    );
    return EXIT.ok;
  },
};
