/**
 * `dkron-core backup` and `dkron-core restore`: save every job of a server to a file and load such a
 * file back (parents first), through the same routes Dkron users script against (`GET /v1/jobs`,
 * `POST /v1/restore`).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { UsageError } from '../config/errors.js';
import { renderCommandHelp } from './help.js';
import { ADDR_FLAG, apiClient, failure, TOKEN_FLAG } from './http-client.js';
import { type Command, EXIT, type FlagDoc } from './types.js';

export { toBaseUrl } from './http-client.js';

function fileFlag(description: string): FlagDoc {
  return { name: 'file', short: 'f', takesValue: true, placeholder: 'path', description };
}

function requireFile(flags: ReadonlyMap<string, readonly string[]>, command: string): string {
  const file = flags.get('file')?.at(-1);
  if (!file) throw new UsageError(`${command}: --file is required (see dkron-core ${command} --help)`);
  return file;
}

/** `dkron-core backup`. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'Save every job of a server to a JSON file',
  usage: 'backup --file <path> [--http-addr <url>] [--token <secret>]',
  description:
    'Writes the output of GET /v1/jobs (every job, as Dkron serves it) to a file that `dkron-core restore`\n' +
    "or Dkron's POST /v1/restore loads back. Execution history is not included.",
  flags: [fileFlag('file to write ("-" for standard output)'), ADDR_FLAG, TOKEN_FLAG],
  examples: ['dkron-core backup --file jobs.json', 'dkron-core backup -f - --http-addr http://10.0.0.5:8080'],
  async run(argv, context) {
    const args = parseArgv(argv, backupCommand.flags, 'backup');
    if (args.help) {
      context.stdout(renderCommandHelp(backupCommand, 'backup'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'backup');
    const file = requireFile(args.flags, 'backup');
    const response = await apiClient(args.flags, context).request('/v1/jobs');
    if (!response.ok) throw await failure(response, 'GET /v1/jobs');
    const jobs = (await response.json()) as unknown;
    if (!Array.isArray(jobs)) throw new Error('GET /v1/jobs did not return a JSON array');
    const text = `${JSON.stringify(jobs, null, 2)}\n`;
    if (file === '-') context.stdout(text);
    else {
      await writeFile(file, text, 'utf8');
      context.stderr(`saved ${jobs.length} job(s) to ${file}\n`);
    }
    return EXIT.ok;
  },
};

/** `dkron-core restore`. */
export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Load jobs from a backup file into a server',
  usage: 'restore --file <path> [--http-addr <url>] [--token <secret>]',
  description:
    'Sends a file made by `dkron-core backup` (or any JSON array of jobs, e.g. GET /v1/jobs of Dkron) to\n' +
    'POST /v1/restore. Parents are created before their children; existing jobs are overwritten.\n' +
    'Prints one line per job and exits 1 if any job failed.',
  flags: [fileFlag('backup file to load'), ADDR_FLAG, TOKEN_FLAG],
  examples: ['dkron-core restore --file jobs.json'],
  async run(argv, context) {
    const args = parseArgv(argv, restoreCommand.flags, 'restore');
    if (args.help) {
      context.stdout(renderCommandHelp(restoreCommand, 'restore'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'restore');
    const file = requireFile(args.flags, 'restore');
    const client = apiClient(args.flags, context);
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--file: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    try {
      JSON.parse(content);
    } catch (err) {
      throw new UsageError(
        `--file: ${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'application/json' }), 'jobs.json');
    const response = await client.request('/v1/restore', { method: 'POST', body: form });
    if (!response.ok) throw await failure(response, 'POST /v1/restore');
    // Dkron answers a JSON string holding the serialized result list; accept a plain list too.
    let lines = (await response.json()) as unknown;
    if (typeof lines === 'string') lines = JSON.parse(lines) as unknown;
    const results = Array.isArray(lines) ? lines.map(String) : [];
    for (const line of results) context.stdout(`${line}\n`);
    return results.some((l) => l.startsWith('fail')) ? EXIT.failure : EXIT.ok;
  },
};
