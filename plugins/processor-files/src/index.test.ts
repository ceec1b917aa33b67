import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestExecution,
  createTestHost,
  describeProcessorContract,
  type TestHost,
} from '@dkron-core/plugin-testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FILES_PROCESSOR_PLUGIN, filesProcessor } from './index.js';

let base: string;
let logDir: string;
let outside: string;
let harness: TestHost;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'dkron-files-'));
  harness = createTestHost();
  await harness.install(filesProcessor({ defaultLogDir: join(base, 'default') }));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

beforeEach(async () => {
  logDir = await mkdtemp(join(base, 'logs-'));
  outside = await mkdtemp(join(base, 'outside-'));
});

const run = createTestExecution({ success: true, status: 'success', output: 'line 1\nline 2\n' });

async function rejection(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (e: Error) => e.message,
  );
}

describe('files processor', () => {
  it('is @dkron-core/processor-files registering "files"', () => {
    expect(filesProcessor().name).toBe(FILES_PROCESSOR_PLUGIN);
  });

  it('writes <log_dir>/<job>/<execution id>.log and stores the path (Dkron’s placeholder)', async () => {
    const stored = await harness.process('files', run, { log_dir: logDir });
    const path = join(logDir, 'test-job', `${run.id}.log`);
    expect(stored).toEqual({ ...run, output: path });
    expect(await readFile(path, 'utf8')).toBe('line 1\nline 2\n');
    expect((await lstat(path)).mode & 0o777).toBe(0o640);
    expect((await lstat(join(logDir, 'test-job'))).mode & 0o777).toBe(0o750);
  });

  it('keeps the output with forward, and creates a missing log_dir (the default one too)', async () => {
    const nested = join(logDir, 'a', 'b');
    expect(await harness.process('files', run, { log_dir: nested, forward: 'true' })).toBe(run);
    expect(await readFile(join(nested, 'test-job', `${run.id}.log`), 'utf8')).toBe(run.output);
    const stored = await harness.process('files', run, {});
    expect(stored.output).toBe(join(base, 'default', 'test-job', `${run.id}.log`));
  });

  it('overwrites the file of the same execution processed again', async () => {
    await harness.process('files', run, { log_dir: logDir });
    await harness.process('files', { ...run, output: 'again' }, { log_dir: logDir });
    expect(await readFile(join(logDir, 'test-job', `${run.id}.log`), 'utf8')).toBe('again');
  });

  it.each([
    ['../escape', 'job name "../escape" cannot be used as a file name'],
    ['..', 'job name ".." cannot be used as a file name'],
    ['/etc', 'job name "/etc" cannot be used as a file name'],
    ['a/b', 'job name "a/b" cannot be used as a file name'],
    ['', 'job name "" cannot be used as a file name'],
  ])('refuses the job name %j', async (name, message) => {
    const execution = createTestExecution({ output: 'x' }, { name });
    expect(await rejection(harness.process('files', execution, { log_dir: logDir }))).toBe(message);
    expect(await readdir(logDir)).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
  });

  it.each([['../../x'], ['/tmp/x'], ['..']])('refuses the execution id %j', async (id) => {
    const execution = createTestExecution({ id, output: 'x' });
    expect(await rejection(harness.process('files', execution, { log_dir: logDir }))).toBe(
      `execution id ${JSON.stringify(id)} cannot be used as a file name`,
    );
  });

  it('never follows a symbolic link planted as the job directory', async () => {
    await symlink(outside, join(logDir, 'test-job'));
    expect(await rejection(harness.process('files', run, { log_dir: logDir }))).toBe(
      `${join(logDir, 'test-job')} is not a directory (a symbolic link or a file was found there); refusing to write`,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('never follows a symbolic link planted as the log file', async () => {
    const victim = join(outside, 'victim');
    await writeFile(victim, 'precious');
    await mkdir(join(logDir, 'test-job'));
    await symlink(victim, join(logDir, 'test-job', `${run.id}.log`));
    expect(await rejection(harness.process('files', run, { log_dir: logDir }))).toBe(
      `${join(logDir, 'test-job', `${run.id}.log`)} is a symbolic link; refusing to write`,
    );
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('accepts a log_dir that is itself a symbolic link (the operator’s choice)', async () => {
    const link = join(base, `link-${Date.now()}`);
    await symlink(outside, link);
    const stored = await harness.process('files', run, { log_dir: link });
    expect(stored.output).toBe(join(outside, 'test-job', `${run.id}.log`));
  });

  it('keeps log_dir inside allowedRoot when the agent sets one', async () => {
    const confined = createTestHost();
    await confined.install(filesProcessor({ allowedRoot: logDir }));
    expect((await confined.process('files', run, { log_dir: join(logDir, 'jobs') })).output).toBe(
      join(logDir, 'jobs', 'test-job', `${run.id}.log`),
    );
    expect(await rejection(confined.process('files', run, { log_dir: join(logDir, '..', 'x') }))).toBe(
      `log_dir ${join(base, 'x')} is outside ${logDir}, where this agent writes logs`,
    );
    expect(await rejection(confined.process('files', run, { log_dir: `${logDir}-sibling` }))).toMatch(
      /is outside/,
    );
  });
});

const contractDir = await mkdtemp(join(tmpdir(), 'dkron-files-contract-'));
describeProcessorContract(filesProcessor({ defaultLogDir: contractDir }), 'files', { log_dir: contractDir });
afterAll(() => rm(contractDir, { recursive: true, force: true }));
