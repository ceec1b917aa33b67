/**
 * Drill: read-modify-write races on one real agent (issue 9, item 6). 200 trials of an update
 * (`POST /v1/jobs` with a new `displayname`) racing a toggle of the same job: the acknowledged update
 * must never be reverted. 200 trials of a `PUT` racing a `DELETE` of a childless job: never a `409 has
 * dependent jobs`.
 *
 * `toggle` and the save of `POST /v1/jobs` are conditional read-modify-writes (the job's version read
 * linearizably, a compare-and-set save, redone on a conflict), and a delete is a compare-and-set on the
 * version it read, so neither race loses an update nor answers a spurious 409. The first test checks
 * that the drill itself ran, the second what it must find.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, api, stopAllAgents } from '../e2e/helpers/index.js';
import { printCounts, saveJob, startDrillAgent } from './harness/index.js';

const TRIALS = 200;

let client: Api;
let result: { lostUpdates: number; spurious409: number; answered: Map<string, number> } | undefined;

beforeAll(async () => {
  const agent = await startDrillAgent();
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await stopAllAgents();
});

const body = (name: string, displayname: string) => ({
  name,
  displayname,
  schedule: '@manually',
  disabled: false,
  executor: 'shell',
  executor_config: { command: 'true' },
});

describe('drill: update racing toggle, PUT racing DELETE', () => {
  it('runs 200 trials of each against one agent', async () => {
    const answered = new Map<string, number>();
    const note = (what: string, status: number) =>
      answered.set(`${what} ${status}`, (answered.get(`${what} ${status}`) ?? 0) + 1);
    let lostUpdates = 0;
    await saveJob(client, body('race-toggle', 'v-start'));
    for (let i = 0; i < TRIALS; i++) {
      const [update, toggle] = await Promise.all([
        client.jobs.save(body('race-toggle', `v-${i}`)),
        client.jobs.toggle('race-toggle'),
      ]);
      note('update', update.status);
      note('toggle', toggle.status);
      if (update.status !== 201 || toggle.status !== 200) continue;
      const after = await client.jobs.get('race-toggle');
      if (after.body.displayname !== `v-${i}`) lostUpdates++;
    }

    let spurious409 = 0;
    for (let i = 0; i < TRIALS; i++) {
      const name = `race-delete-${i}`;
      await saveJob(client, body(name, 'first'));
      const [put, del] = await Promise.all([
        client.put(`/v1/jobs/${name}`, body(name, 'second')),
        client.jobs.delete(name),
      ]);
      note('put', put.status);
      note('delete', del.status);
      if (del.status === 409 || put.status === 409) spurious409++;
      await client.jobs.delete(name);
    }
    result = { lostUpdates, spurious409, answered };
    printCounts('toggle-update-race', {
      trials: TRIALS,
      lostUpdates,
      spurious409,
      answers: [...answered].map(([k, v]) => `${k}:${v}`).join(' '),
    });
    // The drill ran: every update and toggle was answered, none with a 5xx.
    expect((answered.get('update 201') ?? 0) + (answered.get('toggle 200') ?? 0)).toBeGreaterThan(TRIALS);
    expect([...answered.keys()].filter((k) => / 5\d\d$/.test(k))).toEqual([]);
  });

  // Issue 9 item 6: conditional read-modify-writes, linearizable reads.
  it('phase 2 (item 6): 0 lost updates in 200 trials, no spurious 409', () => {
    expect(result, 'the drill above ran').toBeDefined();
    expect(result?.lostUpdates).toBe(0);
    expect(result?.spurious409).toBe(0);
  });
});
