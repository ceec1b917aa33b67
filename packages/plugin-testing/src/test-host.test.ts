import { c, definePlugin } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { createTestExecution, createTestJob } from './fixtures.js';
import { createTestHost } from './test-host.js';

const echo = definePlugin({
  name: 'echo-plugin',
  apiVersion: 1,
  setup(host) {
    host.logger.info('setting up', { node: host.nodeName });
    host.executor({
      name: 'echo',
      config: c.object({ text: c.string(), times: c.number({ integer: true }).default(1) }),
      async execute(req, ctx) {
        for (let i = 0; i < req.config.times; i++) ctx.output.write(req.config.text);
        ctx.output.write(new Uint8Array([0xe2, 0x82])); // first two bytes of €
        ctx.output.write(new Uint8Array([0xac]));
        return { success: true };
      },
    });
    host.processor({
      name: 'upper',
      config: c.object({ suffix: c.string().default('') }),
      process: (e, ctx) => ({ ...e, output: e.output.toUpperCase() + ctx.config.suffix + ctx.reportingNode }),
    });
    host.on('execution:done', () => {});
  },
});

describe('createTestHost', () => {
  it('records registrations and logs', async () => {
    const harness = createTestHost({ nodeName: 'n1' });
    await harness.install(echo);
    expect([...harness.executors.keys()]).toEqual(['echo']);
    expect([...harness.processors.keys()]).toEqual(['upper']);
    expect(harness.handlers.map((h) => h.event)).toEqual(['execution:done']);
    expect(harness.logs).toEqual([{ level: 'info', message: 'setting up', fields: { node: 'n1' } }]);
    expect(() => harness.executor('nope')).toThrow('no executor "nope" registered (registered: echo)');
  });

  it('refuses another API version', async () => {
    await expect(createTestHost().install({ ...echo, apiVersion: 2 })).rejects.toThrow(
      'plugin echo-plugin targets plugin API version 2, this host supports 1',
    );
  });

  it('parses string configs like the host, and records output decoded across chunks', async () => {
    const harness = createTestHost();
    await harness.install(echo);
    const { result, context } = await harness.execute('echo', { text: 'hi ', times: '2' });
    expect(result).toEqual({ success: true });
    expect(context.text()).toBe('hi hi €');
    expect(context.chunks).toEqual(['hi ', 'hi ', '€']);
    expect(context.output.bytesWritten).toBe(9);
    expect(context.job.executor_config).toEqual({ text: 'hi ', times: '2' });
    expect(() => harness.executor('echo').config.parse({}, 'executor_config')).toThrow(
      'executor_config.text: is required',
    );
  });

  it('gives each context its own abort controller', () => {
    const harness = createTestHost();
    const a = harness.createContext();
    const b = harness.createContext({ job: { name: 'other' } });
    a.controller.abort();
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(b.job.name).toBe('other');
    expect(b.execution.job_name).toBe('other');
  });

  it('runs processors with their parsed config and the node name', async () => {
    const harness = createTestHost({ nodeName: 'leader' });
    await harness.install(echo);
    const out = await harness.process('upper', createTestExecution({ output: 'abc' }), { suffix: '-' });
    expect(out.output).toBe('ABC-leader');
  });
});

describe('fixtures', () => {
  it('build complete records with Dkron ids', () => {
    const job = createTestJob({ name: 'j' });
    expect(job.id).toBe('j');
    const execution = createTestExecution({}, job);
    expect(execution.id).toBe('1704164645000000000-test-node');
    expect(execution.job_name).toBe('j');
  });
});
