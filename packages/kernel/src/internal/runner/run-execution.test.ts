import { getEventListeners } from 'node:events';
import {
  c,
  DkronError,
  type DkronPlugin,
  type ExecuteContext,
  type ExecuteResult,
  type Execution,
  type Job,
  type Logger,
} from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toJob } from '../job/index.js';
import { createPluginRegistry } from '../plugins/registry.js';
import { prepareExecution, type RunExecutionOptions, runExecution } from './run-execution.js';

const job = (overrides: Partial<Job> = {}): Job => ({
  ...toJob({}),
  id: 'job-1',
  name: 'job-1',
  schedule: '@every 1m',
  executor: 'fake',
  executor_config: { mode: 'ok' },
  ...overrides,
});

const execution: Execution = {
  id: '1700000000000000000-node-1',
  job_name: 'job-1',
  started_at: '2023-11-14T22:13:20Z',
  finished_at: '0001-01-01T00:00:00Z',
  success: false,
  output: '',
  node_name: 'node-1',
  group: 1700000000000000000,
  attempt: 1,
  status: 'running',
  scheduled_at: null,
};

type Execute = (config: { mode: string }, ctx: ExecuteContext) => Promise<ExecuteResult> | ExecuteResult;

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function logger(lines: Line[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function setup(execute: Execute, extra?: DkronPlugin) {
  const lines: Line[] = [];
  const registry = createPluginRegistry({ nodeName: 'node-1', logger: logger(lines) });
  await registry.register({
    name: 'fake-plugin',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'fake',
        config: c.object({ mode: c.string() }),
        execute: (req, ctx) => execute(req.config, ctx) as Promise<ExecuteResult>,
      });
    },
  });
  if (extra !== undefined) await registry.register(extra);
  const run = (options: Partial<RunExecutionOptions> = {}) =>
    runExecution({
      registry,
      job: job(),
      execution,
      logger: logger(lines),
      reportingNode: 'leader-1',
      ...options,
    });
  const prepare = () =>
    prepareExecution({ registry, job: job(), logger: logger(lines), reportingNode: 'leader-1' });
  return { registry, lines, run, prepare };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('runExecution: executor outcomes', () => {
  it('succeeds, streams every chunk live and stores what was written', async () => {
    const streamed: string[] = [];
    const { run } = await setup(async (_config, ctx) => {
      ctx.output.write('line 1\n');
      ctx.output.write(Buffer.from('line 2\n'));
      return { success: true };
    });
    const outcome = await run({ onOutput: (chunk) => streamed.push(chunk) });
    expect(outcome).toEqual({
      status: 'success',
      success: true,
      output: 'line 1\nline 2\n',
      finishedAt: expect.any(Date),
    });
    expect(streamed).toEqual(['line 1\n', 'line 2\n']);
  });

  it('passes the parsed config, the job and the execution to the executor', async () => {
    let seen: { config: unknown; ctx: ExecuteContext } | undefined;
    const { run } = await setup(async (config, ctx) => {
      seen = { config, ctx };
      return { success: true };
    });
    await run({ job: job({ executor_config: { mode: 'fast' } }) });
    expect(seen?.config).toEqual({ mode: 'fast' });
    expect(seen?.ctx.job.name).toBe('job-1');
    expect(seen?.ctx.execution).toBe(execution);
    expect(seen?.ctx.signal.aborted).toBe(false);
  });

  it('stores `<error>\\n` followed by the output and result.output, as Dkron', async () => {
    const { run } = await setup(async (_c, ctx) => {
      ctx.output.write('partial\n');
      return { success: false, error: 'exit status 3', output: 'from result' };
    });
    const outcome = await run();
    expect(outcome).toMatchObject({
      status: 'failed',
      success: false,
      error: 'exit status 3',
      output: 'exit status 3\npartial\nfrom result',
    });
  });

  it('fails an execution whose executor reported success together with an error', async () => {
    const { run } = await setup(() => ({ success: true, error: 'warning: half done' }));
    expect(await run()).toMatchObject({ status: 'failed', success: false, output: 'warning: half done\n' });
  });

  it('fails a run whose executor is not loaded, saying which one and how to load it', async () => {
    const { run } = await setup(() => ({ success: true }));
    const outcome = await run({ job: job({ executor: 'kafka' }) });
    const message =
      'executor "kafka" is not loaded on node node-1 (loaded executors: fake); ' +
      'load the plugin that provides it and restart the agent';
    expect(outcome).toMatchObject({
      status: 'failed',
      success: false,
      error: message,
      output: `${message}\n`,
    });
  });

  it("uses the host's hint on how to load a plugin", async () => {
    const registry = createPluginRegistry({
      nodeName: 'n1',
      logger: logger([]),
      loadHint: 'add it to plugins:',
    });
    const outcome = await runExecution({
      registry,
      job: job({ executor: 'kafka' }),
      execution,
      logger: logger([]),
      reportingNode: 'n1',
    });
    expect(outcome.error).toBe(
      'executor "kafka" is not loaded on node n1 (loaded executors: none); add it to plugins:',
    );
  });

  it('fails with the schema message when executor_config does not parse', async () => {
    const execute = vi.fn(() => ({ success: true }));
    const { run } = await setup(execute);
    const outcome = await run({ job: job({ executor_config: null }) });
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'executor_config.mode: is required (a string)',
    });
    expect(outcome.output).toBe('executor_config.mode: is required (a string)\n');
    expect(execute).not.toHaveBeenCalled();
  });

  it.each([
    ['rejects', async () => Promise.reject(new Error('boom'))],
    [
      'throws synchronously',
      () => {
        throw new Error('boom');
      },
    ],
  ])('fails with the wrapped plugin error when the executor %s', async (_kind, execute) => {
    const { run } = await setup(execute as Execute);
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'failed', error: 'plugin fake-plugin failed: boom' });
    expect(outcome.output).toBe('plugin fake-plugin failed: boom\n');
  });

  it('keeps the message of a DkronError thrown by the executor', async () => {
    const { run } = await setup(() => {
      throw new DkronError('TIMEOUT', 'upstream took too long');
    });
    expect((await run()).error).toBe('upstream took too long');
  });

  it('fails an executor that returns something that is not a result', async () => {
    const { run } = await setup(() => undefined as unknown as ExecuteResult);
    expect(await run()).toMatchObject({
      status: 'failed',
      error: 'executor fake returned an invalid result',
    });
  });
});

describe('runExecution: output cap', () => {
  it('keeps the last outputLimit bytes and the error line', async () => {
    const { run } = await setup(async (_c, ctx) => {
      for (let i = 0; i < 1000; i++) ctx.output.write(`${String(i).padStart(4, '0')}\n`);
      return { success: false, error: 'exit status 1' };
    });
    const outcome = await run({ outputLimit: 64 });
    expect(Buffer.byteLength(outcome.output)).toBe(64);
    expect(outcome.output.startsWith('exit status 1\n')).toBe(true);
    expect(outcome.output.endsWith('0998\n0999\n')).toBe(true);
  });

  it('defaults to 256 000 bytes', async () => {
    const { run } = await setup(async (_c, ctx) => {
      ctx.output.write('x'.repeat(300_000));
      ctx.output.write('END');
      return { success: true };
    });
    const outcome = await run();
    expect(outcome.output.length).toBe(256_000);
    expect(outcome.output.endsWith('xEND')).toBe(true);
  });
});

describe('runExecution: cancellation', () => {
  it('is cancelled when the signal fires and the executor stops', async () => {
    const controller = new AbortController();
    const { run } = await setup(
      (_c, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => resolve({ success: false, error: 'signal: killed' }));
          ctx.output.write('started\n');
        }),
    );
    const pending = run({ signal: controller.signal, onOutput: () => controller.abort() });
    const outcome = await pending;
    expect(outcome).toMatchObject({ status: 'cancelled', success: false, error: 'signal: killed' });
    expect(outcome.output).toBe('signal: killed\nstarted\n');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('uses the abort reason when the executor gives no error', async () => {
    const controller = new AbortController();
    const { run } = await setup(
      (_c, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          queueMicrotask(() => controller.abort(new DkronError('CANCELLED', 'replaced by a newer run')));
        }),
    );
    const outcome = await run({ signal: controller.signal });
    expect(outcome).toMatchObject({ status: 'cancelled', error: 'replaced by a newer run' });
  });

  it('stays a success when the executor finished before the signal mattered', async () => {
    const controller = new AbortController();
    const { run } = await setup(async () => {
      controller.abort();
      return { success: true };
    });
    expect(await run({ signal: controller.signal })).toMatchObject({ status: 'success', success: true });
  });

  it('does not start an execution whose signal already fired', async () => {
    const execute = vi.fn(() => ({ success: true }));
    const { run } = await setup(execute);
    const outcome = await run({ signal: AbortSignal.abort() });
    expect(outcome).toMatchObject({ status: 'cancelled', error: 'execution cancelled before it started' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('gives up on an executor that ignores cancellation after hangGraceMs, and never hangs', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const { run } = await setup(async () => {
      started();
      return new Promise<ExecuteResult>(() => {});
    });
    let outcome: Awaited<ReturnType<typeof run>> | undefined;
    const pending = run({ signal: controller.signal }).then((o) => (outcome = o));
    await running;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(outcome).toBeUndefined(); // no cancellation, no give-up: a long job is not a hung one
    controller.abort();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(outcome).toMatchObject({
      status: 'failed',
      success: false,
      error: 'executor fake did not stop within 5s after cancellation',
    });
  });

  it('ignores output written by an abandoned executor', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let ctxSeen: ExecuteContext | undefined;
    const streamed: string[] = [];
    const { run } = await setup(async (_c, ctx) => {
      ctxSeen = ctx;
      queueMicrotask(() => controller.abort());
      return new Promise<ExecuteResult>(() => {});
    });
    const pending = run({ signal: controller.signal, hangGraceMs: 100, onOutput: (s) => streamed.push(s) });
    await vi.advanceTimersByTimeAsync(100);
    const outcome = await pending;
    ctxSeen?.output.write('too late');
    expect(outcome.error).toBe('executor fake did not stop within 100ms after cancellation');
    expect(streamed).toEqual([]);
  });
});

describe('runExecution: processors and events', () => {
  function processorPlugin(
    order: string[],
    behaviours: Record<string, (e: Execution) => Execution>,
  ): DkronPlugin {
    return {
      name: 'procs',
      apiVersion: 1,
      setup(host) {
        for (const [name, behave] of Object.entries(behaviours)) {
          host.processor({
            name,
            config: c.object({ forward: c.boolean().default(false) }),
            process(e, ctx) {
              order.push(`${name} forward=${ctx.config.forward} node=${ctx.reportingNode}`);
              return behave(e);
            },
          });
        }
      },
    };
  }

  it('runs the processors in the order the job lists them, chaining their results', async () => {
    const order: string[] = [];
    const { run } = await setup(
      async (_c, ctx) => {
        ctx.output.write('out');
        return { success: true };
      },
      processorPlugin(order, {
        zeta: (e) => ({ ...e, output: `${e.output}+zeta` }),
        alpha: (e) => ({ ...e, output: `${e.output}+alpha` }),
      }),
    );
    const outcome = await run({
      job: job({ processors: { zeta: { forward: 'true' }, alpha: {} } }),
    });
    expect(order).toEqual(['zeta forward=true node=leader-1', 'alpha forward=false node=leader-1']);
    expect(outcome).toMatchObject({ status: 'success', output: 'out+zeta+alpha' });
  });

  it('records a failing or missing processor on the execution and keeps the output as it was', async () => {
    const order: string[] = [];
    const { run, lines } = await setup(
      async (_c, ctx) => {
        ctx.output.write('out');
        return { success: true };
      },
      processorPlugin(order, {
        broken: () => {
          throw new Error('disk full');
        },
        nothing: () => undefined as unknown as Execution,
      }),
    );
    const outcome = await run({ job: job({ processors: { broken: {}, missing: {}, nothing: {} } }) });
    expect(outcome).toMatchObject({
      status: 'success',
      output:
        'out\n' +
        'processor "broken" failed, output kept: disk full\n' +
        'processor "missing" is not loaded on node leader-1, output kept\n' +
        'processor "nothing" failed, output kept: it returned no execution\n',
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'unknown processor, output kept',
        fields: expect.objectContaining({ processor: 'missing' }),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ processor: 'broken', error: 'disk full' }),
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ message: 'processor failed, output kept' }));
  });

  it('abandons a processor that does not finish in time', async () => {
    const { run, lines } = await setup(
      () => ({ success: true }),
      processorPlugin([], { stuck: () => new Promise<Execution>(() => {}) as unknown as Execution }),
    );
    const outcome = await run({ job: job({ processors: { stuck: {} } }), processorTimeoutMs: 20 });
    expect(outcome).toMatchObject({
      status: 'success',
      output: 'processor "stuck" failed, output kept: it did not finish within 20ms\n',
    });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'processor failed, output kept' }),
    );
  });

  it('derives the status from a processor that changes success', async () => {
    const { run } = await setup(
      () => ({ success: true }),
      processorPlugin([], { veto: (e) => ({ ...e, success: false }) }),
    );
    expect(await run({ job: job({ processors: { veto: {} } }) })).toMatchObject({
      status: 'failed',
      success: false,
    });
  });

  it('emits start, output and done events; done carries the processed execution', async () => {
    const seen: string[] = [];
    const listener: DkronPlugin = {
      name: 'listener',
      apiVersion: 1,
      setup(host) {
        host.on('execution:start', ({ execution: e }) => void seen.push(`start ${e.id}`));
        host.on('execution:output', ({ chunk }) => void seen.push(`output ${chunk}`));
        host.on('execution:done', ({ execution: e }) => void seen.push(`done ${e.status} ${e.output}`));
        host.processor({
          name: 'mark',
          config: c.object({}),
          process: (e) => ({ ...e, output: 'processed' }),
        });
      },
    };
    const { run } = await setup(async (_c, ctx) => {
      ctx.output.write('hi');
      return { success: true };
    }, listener);
    await run({ job: job({ processors: { mark: {} } }) });
    expect(seen).toEqual([`start ${execution.id}`, 'output hi', 'done success processed']);
  });
});

describe('prepareExecution', () => {
  it('calls the executor inside call(), before returning, with the execution given there', async () => {
    const seen: string[] = [];
    const { prepare } = await setup(async (_c, ctx) => {
      seen.push(ctx.execution.id);
      return { success: true };
    });
    const runs = [prepare(), prepare(), prepare()];
    for (const [i, r] of runs.entries()) r.call({ ...execution, id: `e${i}` });
    // Every executor ran in this turn, before any outcome was asked for.
    expect(seen).toEqual(['e0', 'e1', 'e2']);
    const outcomes = await Promise.all(runs.map((r) => r.outcome()));
    expect(outcomes.map((o) => o.status)).toEqual(['success', 'success', 'success']);
  });

  it('turns a synchronous throw and a rejection between call() and outcome() into failures', async () => {
    let calls = 0;
    const { prepare } = await setup((() => {
      calls++;
      if (calls === 1) throw new Error('sync boom');
      return Promise.reject(new Error('async boom'));
    }) as Execute);
    const first = prepare();
    const second = prepare();
    first.call(execution);
    second.call({ ...execution, id: 'e2' });
    const [a, b] = await Promise.all([first.outcome(), second.outcome()]);
    expect(a).toMatchObject({ status: 'failed', error: 'plugin fake-plugin failed: sync boom' });
    expect(b).toMatchObject({ status: 'failed', error: 'plugin fake-plugin failed: async boom' });
  });

  it('never calls the executor of a run aborted before it started', async () => {
    const execute = vi.fn(() => ({ success: true }));
    const { prepare } = await setup(execute);
    const run = prepare();
    run.abort(new DkronError('CANCELLED', 'agent shutting down'));
    const outcome = await run.start(execution);
    expect(outcome).toMatchObject({ status: 'cancelled', error: 'agent shutting down' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('cancels through its own signal and gives up on an executor that ignores it', async () => {
    vi.useFakeTimers();
    let ctxSignal: AbortSignal | undefined;
    const { prepare } = await setup(async (_c, ctx) => {
      ctxSignal = ctx.signal;
      return new Promise<ExecuteResult>(() => {});
    });
    const run = prepare();
    let outcome: Awaited<ReturnType<typeof run.outcome>> | undefined;
    const pending = run.start(execution).then((o) => (outcome = o));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(outcome).toBeUndefined();
    run.abort('stop');
    expect(ctxSignal?.aborted).toBe(true);
    expect(ctxSignal).toBe(run.signal);
    await vi.advanceTimersByTimeAsync(5_000);
    await pending;
    expect(outcome).toMatchObject({ error: 'executor fake did not stop within 5s after cancellation' });
  });

  it('reports a missing executor and a bad config at start, without calling anything', async () => {
    const { registry, lines } = await setup(async () => ({ success: true }));
    const missing = prepareExecution({
      registry,
      job: job({ executor: 'nope' }),
      logger: logger(lines),
      reportingNode: 'n',
    });
    expect(await missing.start(execution)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^executor "nope" is not loaded on node node-1/),
    });
    const bad = prepareExecution({
      registry,
      job: job({ executor_config: null }),
      logger: logger(lines),
      reportingNode: 'n',
    });
    expect(await bad.start(execution)).toMatchObject({
      status: 'failed',
      error: 'executor_config.mode: is required (a string)',
    });
  });

  it('starts once', async () => {
    const { prepare } = await setup(async () => ({ success: true }));
    const run = prepare();
    await run.start(execution);
    expect(() => run.call(execution)).toThrow(/starts once/);
  });
});
