import type { DkronPlugin, Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestExecution } from './fixtures.js';
import { createTestHost, type TestHost } from './test-host.js';

/**
 * Declares the contract every processor plugin must meet, as a vitest `describe` block, run with
 * `config` (the processor's entry of `job.processors`, strings are fine):
 *
 * ```ts
 * describeProcessorContract(myProcessorPlugin(), 'my-processor', { forward: 'true' });
 * ```
 *
 * It checks that the plugin registers the processor with a config schema exportable as JSON Schema,
 * that `config` and an empty config parse, and that for successful and failed executions the processor
 * returns an execution of the same run (same id, job, node, success) without mutating its input.
 */
export function describeProcessorContract(
  plugin: DkronPlugin,
  processorName: string,
  config: Record<string, unknown>,
): void {
  describe(`processor contract: ${processorName} (${plugin.name})`, () => {
    let harness: TestHost;
    beforeAll(async () => {
      harness = createTestHost();
      await harness.install(plugin);
    });
    afterAll(async () => {
      await plugin.close?.();
    });

    it(`registers "${processorName}" with a config schema exportable as JSON Schema`, () => {
      const processor = harness.processor(processorName);
      expect(typeof processor.process).toBe('function');
      const schema = processor.config.toJSONSchema();
      expect(schema).toMatchObject({ type: 'object' });
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    });

    it('parses the given config and an empty one (Dkron jobs often configure nothing)', () => {
      const processor = harness.processor(processorName);
      expect(() => processor.config.parse(config, `processors.${processorName}`)).not.toThrow();
      expect(() => processor.config.parse({}, `processors.${processorName}`)).not.toThrow();
    });

    it.each([
      ['successful', true],
      ['failed', false],
    ])('returns the same run for a %s execution without mutating its input', async (_kind, success) => {
      const input = frozen(
        createTestExecution({
          success,
          status: success ? 'success' : 'failed',
          output: success ? 'all good\n' : 'exit status 1\nsomething broke\n',
          finished_at: '2024-01-02T03:04:06.000Z',
        }),
      );
      const output = await harness.process(processorName, input, config);
      expect(output).toMatchObject({
        id: input.id,
        job_name: input.job_name,
        node_name: input.node_name,
        group: input.group,
        attempt: input.attempt,
        success,
      });
      expect(typeof output.output).toBe('string');
    });

    it('handles an execution without output', async () => {
      const input = frozen(createTestExecution({ success: true, status: 'success', output: '' }));
      const output = await harness.process(processorName, input, config);
      expect(output.id).toBe(input.id);
    });
  });
}

// A frozen input makes a processor that mutates the execution throw (ES modules are strict).
function frozen(execution: Execution): Execution {
  return Object.freeze({ ...execution });
}
