import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

describe('/health', () => {
  it('answers 200 healthy with the leader flag', async () => {
    const { call } = await setup();
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'healthy', leader: true });
  });

  it('answers 503 with the issues when the store reports one', async () => {
    const { agent, call } = await setup();
    agent.healthIssues = ['the disk is full'];
    agent.leading = false;
    const res = await call('GET', '/health');
    expect(res.status).toBe(503);
    expect(res.json).toEqual({
      status: 'unhealthy',
      issues: ['store: the disk is full'],
      leader: false,
    });
  });
});

describe('node and cluster', () => {
  it.each(['/v1', '/v1/'])('GET %s shows the node', async (path) => {
    const { call } = await setup();
    const res = await call('GET', path);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      agent: { name: 'node-a', version: '0.0.0-test' },
      tags: { role: 'dkron' },
    });
  });

  it('lists members with a fresh id, statusText and X-Total-Count', async () => {
    const { agent, call } = await setup();
    agent.failedPeer = true;
    const first = await call('GET', '/v1/members');
    const second = await call('GET', '/v1/members');
    const members = first.json as { Name: string; id: string; statusText: string }[];
    expect(first.headers.get('X-Total-Count')).toBe('2');
    expect(members.map((m) => [m.Name, m.statusText])).toEqual([
      ['node-a', 'alive'],
      ['node-b', 'failed'],
    ]);
    expect(members[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((second.json as { id: string }[])[0]?.id).not.toBe(members[0]?.id);
  });

  it('shows the leader, or 500 while none is known', async () => {
    const { agent, call } = await setup();
    expect((await call('GET', '/v1/leader')).json).toMatchObject({ Name: 'node-a', Status: 1 });
    agent.leaderKnown = false;
    const res = await call('GET', '/v1/leader');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ message: 'no leader is known yet', code: 'UNAVAILABLE' });
  });

  it('answers /v1/isleader with a JSON string, 200 or 404', async () => {
    const { agent, call } = await setup();
    const leader = await call('GET', '/v1/isleader');
    expect([leader.status, leader.text]).toEqual([200, '"I am a leader"']);
    agent.leading = false;
    const follower = await call('GET', '/v1/isleader');
    expect([follower.status, follower.text]).toEqual([404, '"I am a follower"']);
  });

  it('POST /v1/leave returns the peers', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/leave');
    expect([res.status, res.json]).toEqual([200, []]);
  });

  it('lists busy executions with X-Total-Count', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha', executor: 'gate', executor_config: { hold: true } });
    await call('POST', '/v1/jobs/alpha');
    await agent.heldRun('alpha');
    const res = await call('GET', '/v1/busy');
    expect(res.headers.get('X-Total-Count')).toBe('1');
    expect(res.json).toMatchObject([{ job_name: 'alpha', status: 'running' }]);
  });
});
