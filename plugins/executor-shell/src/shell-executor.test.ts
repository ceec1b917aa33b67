import { randomUUID } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createTestHost, type TestExecuteContext, type TestHost } from '@dkron-core/plugin-testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHELL_EXECUTOR_PLUGIN, shellExecutor } from './index.js';

// Every test job carries a unique marker in its environment: it finds the job's processes, proves
// grandchildren are gone, and lets afterEach kill anything a failing test left behind.
let marker = '';
const markerEnv = () => `DKRON_TEST_MARK=${marker}`;

async function markedProcesses(mark: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const [stat, environ] = await Promise.all([
      readFile(`/proc/${name}/stat`, 'latin1').catch(() => ''),
      readFile(`/proc/${name}/environ`, 'latin1').catch(() => ''),
    ]);
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    // Zombies are dead: they only wait for their parent (or init) to collect them.
    if (state !== '' && state !== 'Z' && environ.split('\0').includes(`DKRON_TEST_MARK=${mark}`)) {
      found.push(Number(name));
    }
  }
  return found;
}

let harness: TestHost;

beforeAll(async () => {
  harness = createTestHost();
  await harness.install(shellExecutor());
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const pid of await markedProcesses(marker)) process.kill(pid, 'SIGKILL');
  marker = '';
});

function run(config: Record<string, unknown>, context?: TestExecuteContext) {
  marker = randomUUID();
  const env = [
    markerEnv(),
    ...(typeof config.env === 'string' && config.env !== '' ? [config.env] : []),
  ].join(',');
  return harness.execute('shell', { ...config, env }, context);
}

describe('shell executor', () => {
  it('registers the plugin and the shell executor with every Dkron key in its schema', () => {
    expect(harness.executor('shell').config.toJSONSchema()).toMatchObject({
      type: 'object',
      required: ['command'],
      properties: {
        command: { type: 'string' },
        shell: { default: false },
        env: { type: 'string' },
        cwd: { type: 'string' },
        timeout: { anyOf: [{ type: 'number', minimum: 0 }, { format: 'go-duration' }], default: '0s' },
        mem_limit: { anyOf: [{ type: 'number' }, { type: 'string' }] },
        payload: { contentEncoding: 'base64' },
        su: { type: 'string' },
      },
    });
    expect(shellExecutor().name).toBe(SHELL_EXECUTOR_PLUGIN);
  });

  it('captures output and streams each chunk while the job still runs', async () => {
    let finished = false;
    const seenWhileRunning: string[] = [];
    const context = harness.createContext({
      onOutput: (chunk) => {
        if (!finished) seenWhileRunning.push(chunk);
      },
    });
    const { result } = await run({ command: `sh -c 'echo one; sleep 0.3; echo two'` }, context);
    finished = true;
    expect(result).toEqual({ success: true });
    expect(context.text()).toBe('one\ntwo\n');
    // 'one' arrived as its own chunk, 300 ms before the job could end.
    expect(seenWhileRunning[0]).toBe('one\n');
  });

  it('fails a non-zero exit with `exit status N` and keeps stdout and stderr', async () => {
    const { result, context } = await run({ command: `sh -c 'echo out; echo err >&2; exit 3'` });
    expect(result).toEqual({ success: false, error: 'exit status 3' });
    expect(context.text()).toContain('out\n');
    expect(context.text()).toContain('err\n');
  });

  it('reports a death by signal as Go does', async () => {
    const { result } = await run({ command: 'kill -TERM $$', shell: 'true' });
    expect(result).toEqual({ success: false, error: 'signal: terminated' });
  });

  it('runs through /bin/sh -c when shell is true', async () => {
    const { result, context } = await run({ command: 'echo hello | tr a-z A-Z; echo "$0"', shell: 'true' });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('HELLO\n/bin/sh\n');
  });

  it('runs directly without a shell, honouring quotes and expanding nothing', async () => {
    const { result, context } = await run({ command: `printf '%s|' "a b" 'c d' e\\ f $HOME "*"` });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('a b|c d|e f|$HOME|*|');
  });

  it('refuses shell operators without a shell instead of running half the command', async () => {
    const { result, context } = await run({ command: 'echo a | wc -l' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/"\|" in the command needs a shell/);
    expect(context.output.bytesWritten).toBe(0);
  });

  it('fails an empty command as Dkron does', async () => {
    expect((await run({ command: '  ' })).result).toEqual({
      success: false,
      error: 'shell: Command missing',
    });
  });

  it('fails a command that does not exist with the spawn error and no output', async () => {
    const { result, context } = await run({ command: 'dkron-no-such-command --flag' });
    expect(result).toEqual({
      success: false,
      error: 'exec: "dkron-no-such-command": executable file not found in $PATH',
    });
    expect(context.output.bytesWritten).toBe(0);
    const { result: relative } = await run({ command: './nope/dkron-missing' });
    expect(relative.error).toBe('fork/exec ./nope/dkron-missing: no such file or directory');
  });

  it('runs in cwd, and names a missing cwd', async () => {
    const dir = await realpath(tmpdir());
    const { result, context } = await run({ command: 'pwd', cwd: dir });
    expect(result.success).toBe(true);
    expect(context.text()).toBe(`${dir}\n`);
    const missing = await run({ command: 'pwd', cwd: '/nonexistent/dkron' });
    expect(missing.result).toEqual({
      success: false,
      error: 'chdir /nonexistent/dkron: no such file or directory',
    });
  });

  it('sets the env entries and ENV_JOB_NAME on top of the agent environment', async () => {
    const context = harness.createContext({ job: { name: 'nightly-backup' } });
    const { result } = await run(
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
        command: 'echo "$FOO|$BAR|$ENV_JOB_NAME|${PATH:+has-path}"',
        shell: true,
        env: 'FOO=one,BAR=two words',
      },
      context,
    );
    expect(result.success).toBe(true);
    expect(context.text()).toBe('one|two words|nightly-backup|has-path\n');
  });

  it('writes the decoded payload to stdin', async () => {
    const payload = Buffer.from('hello stdin\nsecond line').toString('base64');
    const { result, context } = await run({ command: 'cat', payload });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('hello stdin\nsecond line');
  });

  it('gives commands that do not read stdin an empty stdin, and ignores a payload they never read', async () => {
    expect((await run({ command: 'cat' })).context.text()).toBe('');
    const big = Buffer.alloc(1024 * 1024, 'x').toString('base64');
    expect((await run({ command: 'true', payload: big })).result).toEqual({ success: true });
  });

  it('refuses an invalid payload when the config is parsed, before anything runs', () => {
    expect(() =>
      harness.executor('shell').config.parse({ command: 'cat', payload: 'aGV$' }, 'executor_config'),
    ).toThrow('executor_config.payload: illegal base64 data at input byte 3');
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const startedAt = Date.now();
    const { result, context } = await run({
      command: `sh -c 'echo started; sleep 30 & sleep 30'`,
      timeout: '1s',
    });
    const elapsed = Date.now() - startedAt;
    expect(result).toEqual({ success: false, error: 'signal: killed' });
    // At its 1 s timeout, not at the end of its `sleep 30`.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(30_000);
    expect(context.text()).toBe(
      "started\nshell: Job 'sh -c 'echo started; sleep 30 & sleep 30'' execution time exceeding defined timeout 1s. Job was killed\n",
    );
    expect(await markedProcesses(marker)).toEqual([]);
  });

  it('kills a memory hog over mem_limit without any timeout, and reports both sizes', async () => {
    const hog =
      'const a=[];const t=setInterval(()=>{a.push(Buffer.alloc(16*1024*1024,1));' +
      'if(a.length>=20)clearInterval(t)},20);setTimeout(()=>{},60000)';
    const startedAt = Date.now();
    const { result, context } = await run({ command: `${process.execPath} -e '${hog}'`, mem_limit: '150MB' });
    expect(result).toEqual({ success: false, error: 'signal: killed' });
    // Killed for its memory, not at the end of its 60 s.
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    const text = context.text();
    const match =
      /memory usage \((\d+) bytes\) exceeding defined limit \(157286400 bytes\)\. Job was killed\n$/.exec(
        text,
      );
    expect(match).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(157_286_400);
    expect(await markedProcesses(marker)).toEqual([]);
  }, 15_000);

  it('kills the process group when the signal aborts', async () => {
    let abort: (() => void) | undefined;
    const context = harness.createContext({ onOutput: () => abort?.() });
    abort = () => context.controller.abort();
    const { result } = await run({ command: `sh -c 'echo started; sleep 30 & sleep 30'` }, context);
    expect(result).toEqual({ success: false, error: 'signal: killed' });
    expect(context.text()).toBe(
      "started\nshell: Job 'sh -c 'echo started; sleep 30 & sleep 30'' was cancelled. Job was killed\n",
    );
    expect(await markedProcesses(marker)).toEqual([]);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const context = harness.createContext();
    context.controller.abort();
    const { result } = await run({ command: 'touch /dev/null' }, context);
    expect(result).toEqual({
      success: false,
      error: "shell: Job 'touch /dev/null' was cancelled before it started",
    });
    expect(context.output.bytesWritten).toBe(0);
  });

  it('runs as another user with su', async () => {
    const { result, context } = await run({ command: 'id -u', su: 'nobody' });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('65534\n');
    const { context: both } = await run({ command: 'id -g', su: 'nobody:nogroup' });
    expect(both.text()).toBe('65534\n');
    expect((await run({ command: 'id -u', su: 'no-such-user-dkron' })).result).toEqual({
      success: false,
      error: 'user: unknown user no-such-user-dkron',
    });
  });

  it('refuses su when the agent is not root', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    expect((await run({ command: 'id -u', su: 'nobody' })).result).toEqual({
      success: false,
      error: 'shell: su requires the agent to run as root',
    });
  });
});
