/**
 * `dkron-core backup` and `dkron-core restore`: save every job of a server to a file and load such a
 * file back (parents first), through the same routes Dkron users script against (`GET /v1/jobs`,
 * `POST /v1/restore`).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { UsageError } from '../config/errors.js';
import { renderCommandHelp } from './help.js';
import { type CliContext, type Command, EXIT, type FlagDoc } from './types.js';

const ADDR_FLAG: FlagDoc = {
  name: 'http-addr',
  takesValue: true,
  placeholder: 'url',
  default: 'http://127.0.0.1:8080',
  env: 'DKRON_HTTP_ADDR',
  description: 'base URL (or host:port) of the dkron-core or Dkron server',
};

function fileFlag(description: string): FlagDoc {
  return { name: 'file', short: 'f', takesValue: true, placeholder: 'path', description };
}

/** `http://h:p`, `h:p` or `:p` → a base URL without a trailing slash. */
export function toBaseUrl(addr: string): string {
  const trimmed = addr.trim().replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) return trimmed;
  if (/^:\d+$/.test(trimmed)) return `http://127.0.0.1${trimmed}`;
  if (/^[^/\s]+:\d+$/.test(trimmed)) return `http://${trimmed}`;
  throw new UsageError(
    `--http-addr: invalid address ${JSON.stringify(addr)} (expected http://host:port or host:port)`,
  );
}

function baseUrlOf(flags: ReadonlyMap<string, readonly string[]>, context: CliContext): string {
  return toBaseUrl(flags.get('http-addr')?.at(-1) ?? context.env.DKRON_HTTP_ADDR ?? 'http://127.0.0.1:8080');
}

function requireFile(flags: ReadonlyMap<string, readonly string[]>, command: string): string {
  const file = flags.get('file')?.at(-1);
  if (!file) throw new UsageError(`${command}: --file is required (see dkron-core ${command} --help)`);
  return file;
}

async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new Error(`cannot reach ${url}: ${cause}`);
  }
}

async function failure(response: Response, what: string): Promise<Error> {
  const text = await response.text();
  let message = text;
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null && 'message' in body) message = String(body.message);
  } catch {
    // A plain-text body (Dkron) is the message itself.
  }
  return new Error(`${what} failed: HTTP ${response.status}${message ? `: ${message}` : ''}`);
}

/** `dkron-core backup`. */
export const backupCommand: Command = {
  name: 'backup',
  summary: 'Save every job of a server to a JSON file',
  usage: 'backup --file <path> [--http-addr <url>]',
  description:
    'Writes the output of GET /v1/jobs (every job, as Dkron serves it) to a file that `dkron-core restore`\n' +
    "or Dkron's POST /v1/restore loads back. Execution history is not included.",
  flags: [fileFlag('file to write ("-" for standard output)'), ADDR_FLAG],
  examples: ['dkron-core backup --file jobs.json', 'dkron-core backup -f - --http-addr http://10.0.0.5:8080'],
  async run(argv, context) {
    const args = parseArgv(argv, backupCommand.flags, 'backup');
    if (args.help) {
      context.stdout(renderCommandHelp(backupCommand, 'backup'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'backup');
    const file = requireFile(args.flags, 'backup');
    const base = baseUrlOf(args.flags, context);
    const response = await request(`${base}/v1/jobs`);
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
  usage: 'restore --file <path> [--http-addr <url>]',
  description:
    'Sends a file made by `dkron-core backup` (or any JSON array of jobs, e.g. GET /v1/jobs of Dkron) to\n' +
    'POST /v1/restore. Parents are created before their children; existing jobs are overwritten.\n' +
    'Prints one line per job and exits 1 if any job failed.',
  flags: [fileFlag('backup file to load'), ADDR_FLAG],
  examples: ['dkron-core restore --file jobs.json'],
  async run(argv, context) {
    const args = parseArgv(argv, restoreCommand.flags, 'restore');
    if (args.help) {
      context.stdout(renderCommandHelp(restoreCommand, 'restore'));
      return EXIT.ok;
    }
    expectNoPositionals(args, 'restore');
    const file = requireFile(args.flags, 'restore');
    const base = baseUrlOf(args.flags, context);
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
    const response = await request(`${base}/v1/restore`, { method: 'POST', body: form });
    if (!response.ok) throw await failure(response, 'POST /v1/restore');
    // Dkron answers a JSON string holding the serialized result list; accept a plain list too.
    let lines = (await response.json()) as unknown;
    if (typeof lines === 'string') lines = JSON.parse(lines) as unknown;
    const results = Array.isArray(lines) ? lines.map(String) : [];
    for (const line of results) context.stdout(`${line}\n`);
    return results.some((l) => l.startsWith('fail')) ? EXIT.failure : EXIT.ok;
  },
};
