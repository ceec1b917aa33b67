import type { DkronPlugin, ExecuteResult } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestExecuteContext, type TestHost } from './test-host.js';

/** A job's `executor_config` as it would be stored (strings are fine). */
export type ContractConfig = Record<string, unknown>;

/**
 * A case that needs behaviour no job can ask for (an executor that cannot be made to fail or to be slow
 * through its public config): run against its own instance of the plugin, made with test-only factory
 * options, so the public config schema carries no test-only keys.
 */
export interface ContractCase {
  /** The `executor_config` of the case, parsed with the executor's public schema. */
  readonly config: ContractConfig;
  /** The plugin instance to run the case with; default: the plugin under test. */
  readonly plugin?: DkronPlugin;
  /**
   * For the slow case: resolves once the run is in its slow part (a connection accepted by a test
   * server, a first chunk of output). The suite aborts then. Default: as soon as the executor has been
   * called and one turn of the event loop has passed.
   */
  readonly running?: (context: TestExecuteContext) => Promise<void>;
}

/** The cases the executor contract runs. */
export interface ExecutorContractCases {
  /** Succeeds and writes some output through `ctx.output`. */
  readonly succeeding: ContractConfig;
  /** Fails (the executor reports `success: false` with an error, or throws). Or give `testOnly.failing`. */
  readonly failing?: ContractConfig;
  /** Runs for at least 2 s unless aborted; used to check cancellation. Or give `testOnly.slow`. */
  readonly slow?: ContractConfig;
  /** Cases run with their own plugin instance (see {@link ContractCase}); they win over the public ones. */
  readonly testOnly?: {
    readonly failing?: ContractCase;
    readonly slow?: ContractCase;
  };
}

/** Tuning of {@link describeExecutorContract}. */
export interface ExecutorContractOptions {
  /**
   * @deprecated Waiting a fixed time is slow and flaky under load; give the slow case a `running`
   * condition instead. When set, the slow case is aborted this many ms after it started.
   */
  readonly abortAfterMs?: number;
  /** How soon after the abort the executor must settle. Default 1500 ms. */
  readonly settleWithinMs?: number;
}

/**
 * Declares the contract every executor plugin must meet, as a vitest `describe` block. Call it at the
 * top level of a test file:
 *
 * ```ts
 * describeExecutorContract(myExecutor(), 'my-executor', {
 *   succeeding: { url: 'http://127.0.0.1:9/ok' },
 *   failing: { url: 'http://127.0.0.1:9/fail' },
 *   testOnly: {
 *     // No public key makes it slow: a test build of the plugin does, through a factory option.
 *     slow: { plugin: myExecutor({ responseDelayMs: 60_000 }), config: { url: 'http://127.0.0.1:9/ok' } },
 *   },
 * });
 * ```
 *
 * It checks that the plugin registers the executor with a config schema exportable as JSON Schema,
 * that the cases' configs parse, that the succeeding case succeeds and streams output through
 * `ctx.output`, that the failing case fails with an error, and that an aborted slow run settles
 * promptly without success, whether aborted while it runs or before it starts.
 */
export function describeExecutorContract(
  plugin: DkronPlugin,
  executorName: string,
  cases: ExecutorContractCases,
  options: ExecutorContractOptions = {},
): void {
  const settleWithinMs = options.settleWithinMs ?? 1500;
  const failing = pickCase('failing', cases.testOnly?.failing, cases.failing);
  const slow = pickCase('slow', cases.testOnly?.slow, cases.slow);
  const plugins = [...new Set([plugin, failing.plugin ?? plugin, slow.plugin ?? plugin])];

  describe(`executor contract: ${executorName} (${plugin.name})`, () => {
    const harnesses = new Map<DkronPlugin, TestHost>();
    const harnessOf = (p: DkronPlugin | undefined): TestHost => harnesses.get(p ?? plugin) as TestHost;
    beforeAll(async () => {
      for (const p of plugins) {
        const harness = createTestHost();
        await harness.install(p);
        harnesses.set(p, harness);
      }
    });
    afterAll(async () => {
      for (const p of plugins) await p.close?.();
    });

    it(`registers "${executorName}" with a config schema exportable as JSON Schema`, () => {
      const executor = harnessOf(plugin).executor(executorName);
      expect(typeof executor.execute).toBe('function');
      const schema = executor.config.toJSONSchema();
      expect(schema).toMatchObject({ type: 'object' });
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    });

    it('parses the configs of every case with the public schema', () => {
      const { config } = harnessOf(plugin).executor(executorName);
      for (const input of [cases.succeeding, failing.config, slow.config]) {
        expect(() => config.parse(input, 'executor_config')).not.toThrow();
      }
    });

    it('succeeds on the succeeding case and writes its output through ctx.output', async () => {
      const { result, context } = await harnessOf(plugin).execute(executorName, cases.succeeding);
      expect(result).toMatchObject({ success: true });
      expect(result.error ?? '').toBe('');
      expect(context.output.bytesWritten).toBeGreaterThan(0);
      expect(context.text()).not.toBe('');
    });

    it('fails on the failing case with an error message', async () => {
      const outcome = await settle(harnessOf(failing.plugin).execute(executorName, failing.config));
      if (outcome.thrown !== undefined) {
        expect(outcome.thrown).toBeInstanceOf(Error);
        expect((outcome.thrown as Error).message).not.toBe('');
      } else {
        expect(outcome.result?.success).toBe(false);
        expect(typeof outcome.result?.error).toBe('string');
        expect(outcome.result?.error).not.toBe('');
      }
    });

    it(
      `settles within ${settleWithinMs} ms without success when aborted while it runs`,
      async () => {
        const harness = harnessOf(slow.plugin);
        const context = harness.createContext();
        const running = settle(harness.execute(executorName, slow.config, context));
        await whenRunning(slow, context, options.abortAfterMs);
        const abortedAt = performance.now();
        context.controller.abort();
        const outcome = await running;
        expect(performance.now() - abortedAt).toBeLessThan(settleWithinMs);
        expect(outcome.result?.success ?? false).toBe(false);
      },
      (options.abortAfterMs ?? 0) + settleWithinMs + 10_000,
    );

    it(
      'settles promptly without success when the signal is aborted before it starts',
      async () => {
        const harness = harnessOf(slow.plugin);
        const context = harness.createContext();
        context.controller.abort();
        const startedAt = performance.now();
        const outcome = await settle(harness.execute(executorName, slow.config, context));
        expect(performance.now() - startedAt).toBeLessThan(settleWithinMs);
        expect(outcome.result?.success ?? false).toBe(false);
      },
      settleWithinMs + 5000,
    );
  });
}

function pickCase(
  name: 'failing' | 'slow',
  testOnly: ContractCase | undefined,
  config: ContractConfig | undefined,
): ContractCase {
  if (testOnly !== undefined) return testOnly;
  if (config !== undefined) return { config };
  throw new TypeError(`describeExecutorContract: give a "${name}" case, or "testOnly.${name}"`);
}

async function whenRunning(
  slow: ContractCase,
  context: TestExecuteContext,
  abortAfterMs: number | undefined,
): Promise<void> {
  if (slow.running !== undefined) return slow.running(context);
  if (abortAfterMs !== undefined) return new Promise((resolve) => setTimeout(resolve, abortAfterMs));
  return new Promise((resolve) => setImmediate(resolve));
}

async function settle(
  pending: Promise<{ result: ExecuteResult }>,
): Promise<{ result?: ExecuteResult; thrown?: unknown }> {
  try {
    return { result: (await pending).result };
  } catch (thrown) {
    return { thrown };
  }
}
