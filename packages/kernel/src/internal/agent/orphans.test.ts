import { describe, expect, it } from 'vitest';
import { toJob } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { createAgent } from './agent.js';
import { UNRECORDED_LAUNCH_WINDOW_MS } from './orphans.js';
import { createFakeClock, silentLogger } from './test-kit.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('a start after a crash', () => {
  it('records the launches a previous process made and never recorded as lost, once, and runs none again', async () => {
    const store = createMemoryStore();
    await store.saveJob(toJob({ name: 'a', schedule: '@every 1h', executor: 'none' }));
    await store.saveJob(toJob({ name: 'b', schedule: '@every 1h', executor: 'none' }));
    const slot = NOW - 60_000;
    const launch = (job: string, at: number) => ({
      job,
      scheduledAt: at,
      group: at * 1e6,
      epoch: 1,
      next: at + 3_600_000,
    });
    // a's slot ran and was recorded; b's was launched, then the process died; one of b is too old to tell.
    await store.recordLaunches([
      launch('a', slot),
      launch('b', slot),
      launch('b', NOW - UNRECORDED_LAUNCH_WINDOW_MS - 1000),
    ]);
    await store.startExecutions(
      [
        {
          id: 'x-n1',
          job_name: 'a',
          started_at: new Date(slot).toISOString(),
          finished_at: '0001-01-01T00:00:00Z',
          success: false,
          output: '',
          node_name: 'n1',
          group: slot * 1e6,
          attempt: 1,
          status: 'running',
          scheduled_at: new Date(slot).toISOString(),
        },
      ],
      100,
    );
    const start = async () => {
      const agent = createAgent({
        nodeName: 'n1',
        version: 't',
        store,
        registry: createPluginRegistry({ nodeName: 'n1', logger: silentLogger }),
        logger: silentLogger,
        clock: createFakeClock(NOW),
      });
      await agent.start();
      await agent.stop({ timeoutMs: 10 });
    };
    await start();
    await start();
    const b = (await store.listExecutions('b', {})).executions;
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ status: 'lost', node_name: 'n1', group: slot * 1e6, attempt: 1 });
    expect(b[0]?.scheduled_at).toBe('2026-12-01T09:59:00Z');
    expect(b[0]?.output).toContain('the server stopped after it launched this slot');
    expect((await store.getJob('b'))?.error_count).toBe(1);
    // a's running execution is the previous process's orphan: lost too, but not twice.
    expect((await store.listExecutions('a', {})).executions.map((e) => e.status)).toEqual(['lost']);
  });
});
