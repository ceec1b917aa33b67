/**
 * Dependent jobs through a real agent (reference §5.6, docs/compatibility.md "Jobs"): a three-level
 * chain runs in order, once per level, only after a success; `GET /v1/jobs/{name}/graph`; a parent
 * with children cannot be deleted; moving a child updates both parents; cycles are refused.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executions,
  expectNever,
  finished,
  getJob,
  ms,
  save,
  shellJob,
  waitExecutions,
} from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
});

interface Graph {
  job: string;
  ancestors: string[];
  descendants: string[];
  edges: [string, string][];
}

const child = (name: string, parent: string, command: string, extra: Record<string, unknown> = {}) => ({
  ...shellJob(name, command),
  schedule: '',
  parent_job: parent,
  ...extra,
});

async function graph(name: string): Promise<Graph> {
  const res = await client.get<Graph>(`/v1/jobs/${name}/graph`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe('a three-level chain', () => {
  beforeAll(async () => {
    await save(client, shellJob('ch-parent', 'echo parent'));
    await save(client, child('ch-child', 'ch-parent', 'echo child'));
    await save(client, child('ch-grand', 'ch-child', 'echo grand'));
  });

  it('one parent run triggers the child, then the grandchild, each once', async () => {
    expect((await getJob(client, 'ch-parent')).dependent_jobs).toEqual(['ch-child']);
    expect((await getJob(client, 'ch-child')).dependent_jobs).toEqual(['ch-grand']);
    // Children are not scheduled.
    expect((await getJob(client, 'ch-child')).next).toBe('0001-01-01T00:00:00Z');

    expect((await client.jobs.run('ch-parent')).status).toBe(200);
    const [grand] = await waitExecutions(client, 'ch-grand', 1);
    const [parent] = await executions(client, 'ch-parent');
    const [kid] = await executions(client, 'ch-child');
    for (const [e, out] of [
      [parent, 'parent\n'],
      [kid, 'child\n'],
      [grand, 'grand\n'],
    ] as const) {
      expect(e).toMatchObject({ status: 'success', output: out });
    }
    // In order: each level starts after the one above it finished.
    expect(ms(kid!.started_at)).toBeGreaterThanOrEqual(ms(parent!.finished_at));
    expect(ms(grand!.started_at)).toBeGreaterThanOrEqual(ms(kid!.finished_at));
    // Each in a trigger group of its own, as Dkron.
    expect(new Set([parent!.group, kid!.group, grand!.group]).size).toBe(3);
    // Each exactly once.
    await expectNever(async () => {
      const counts = await Promise.all(
        ['ch-parent', 'ch-child', 'ch-grand'].map(async (n) => (await executions(client, n)).length),
      );
      return counts.some((c) => c !== 1) ? `execution counts ${counts.join(', ')}` : undefined;
    }, 1500);
  });

  it('GET /v1/jobs/{name}/graph gives ancestors (nearest first) and descendants', async () => {
    const middle = await graph('ch-child');
    expect(middle).toMatchObject({ job: 'ch-child', ancestors: ['ch-parent'], descendants: ['ch-grand'] });
    expect([...middle.edges].sort()).toEqual([
      ['ch-child', 'ch-grand'],
      ['ch-parent', 'ch-child'],
    ]);
    expect(await graph('ch-parent')).toMatchObject({ ancestors: [], descendants: ['ch-child', 'ch-grand'] });
    expect(await graph('ch-grand')).toMatchObject({ ancestors: ['ch-child', 'ch-parent'], descendants: [] });
    expect((await client.get('/v1/jobs/ch-nope/graph')).status).toBe(404);
  });

  it('moving the child to another parent updates both parents and the graph', async () => {
    await save(client, shellJob('ch-other', 'echo other'));
    const moved = await save(client, child('ch-child', 'ch-other', 'echo child'));
    expect(moved.parent_job).toBe('ch-other');
    expect((await getJob(client, 'ch-parent')).dependent_jobs ?? []).toEqual([]);
    expect((await getJob(client, 'ch-other')).dependent_jobs).toEqual(['ch-child']);
    expect((await getJob(client, 'ch-child')).dependent_jobs).toEqual(['ch-grand']);
    expect(await graph('ch-grand')).toMatchObject({ ancestors: ['ch-child', 'ch-other'] });
    // And back, for the delete test below.
    await save(client, child('ch-child', 'ch-parent', 'echo child'));
    expect((await getJob(client, 'ch-other')).dependent_jobs ?? []).toEqual([]);
    expect((await getJob(client, 'ch-parent')).dependent_jobs).toEqual(['ch-child']);
  });

  it('a parent with children cannot be deleted until its children are', async () => {
    const refused = await client.jobs.delete('ch-parent');
    expect(refused.status, refused.text).toBe(409);
    const middle = await client.jobs.delete('ch-child');
    expect(middle.status, middle.text).toBe(409);
    expect((await client.jobs.get('ch-parent')).status).toBe(200);
    expect((await client.jobs.get('ch-child')).status).toBe(200);

    expect((await client.jobs.delete('ch-grand')).status).toBe(200);
    expect((await getJob(client, 'ch-child')).dependent_jobs ?? []).toEqual([]);
    expect((await client.jobs.delete('ch-parent')).status).toBe(409);
    expect((await client.jobs.delete('ch-child')).status).toBe(200);
    expect((await getJob(client, 'ch-parent')).dependent_jobs ?? []).toEqual([]);
    expect((await client.jobs.delete('ch-parent')).status).toBe(200);
    expect((await client.jobs.get('ch-parent')).status).toBe(404);
  });
});

describe('failures and cycles', () => {
  it('a failing parent triggers no children', async () => {
    await save(client, shellJob('fc-parent', 'false'));
    await save(client, child('fc-child', 'fc-parent', 'echo child'));
    expect((await client.jobs.run('fc-parent')).status).toBe(200);
    const [failed] = await waitExecutions(client, 'fc-parent', 1);
    expect(failed).toMatchObject({ status: 'failed', success: false });
    await waitFor(async () => (await getJob(client, 'fc-parent')).status === 'failed', {
      message: 'fc-parent status failed',
    });
    await expectNever(async () => {
      const runs = await executions(client, 'fc-child');
      return runs.length > 0 ? `fc-child ran: ${JSON.stringify(runs)}` : undefined;
    }, 2000);
    expect((await getJob(client, 'fc-child')).status).toBe('');

    // The same chain with a succeeding parent does trigger the child (the control).
    await save(client, shellJob('fc-parent', 'true'));
    expect((await client.jobs.run('fc-parent')).status).toBe(200);
    const [ran] = await waitExecutions(client, 'fc-child', 1);
    expect(ran).toMatchObject({ status: 'success', output: 'child\n' });
  });

  it('a dependency cycle is a 400 and changes nothing', async () => {
    await save(client, shellJob('cy-a', 'true'));
    await save(client, child('cy-b', 'cy-a', 'true'));
    await save(client, child('cy-c', 'cy-b', 'true'));
    const two = await client.post('/v1/jobs', { ...shellJob('cy-a', 'true'), parent_job: 'cy-b' });
    expect(two.status, two.text).toBe(400);
    expect(two.text).toContain('cycle');
    const three = await client.post('/v1/jobs', { ...shellJob('cy-a', 'true'), parent_job: 'cy-c' });
    expect(three.status, three.text).toBe(400);
    const self = await client.post('/v1/jobs', { ...shellJob('cy-a', 'true'), parent_job: 'cy-a' });
    expect(self.status, self.text).toBe(400);
    const a = await getJob(client, 'cy-a');
    expect(a).toMatchObject({ parent_job: '', dependent_jobs: ['cy-b'] });
    expect(await graph('cy-a')).toMatchObject({ ancestors: [], descendants: ['cy-b', 'cy-c'] });
    // A run of the root still walks the chain once.
    expect((await client.jobs.run('cy-a')).status).toBe(200);
    const [c] = await waitExecutions(client, 'cy-c', 1);
    expect(c!.status).toBe('success');
    expect((await executions(client, 'cy-a')).filter(finished)).toHaveLength(1);
  });
});
