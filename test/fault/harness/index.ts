/**
 * The fault-drill harness: real agents (the built CLI with its embedded rqlited, on free ports), jobs
 * that keep their own ledger, process faults, and the counts each drill checks and prints.
 */

import type { Execution, Job } from '@dkron-core/plugin-api';
import { expect } from 'vitest';
import { type AgentHandle, type Api, type StartAgentOptions, startAgent } from '../../e2e/helpers/index.js';
import { countJobs, type DrillCounts, everySlots, type JobTruth } from './counts.js';
import type { Ledgers } from './ledger.js';

export * from './counts.js';
export * from './ledger.js';
export * from './processes.js';

/** Starts an agent for a drill: short shutdown timeout, room for every execution of the drill. */
export function startDrillAgent(options: StartAgentOptions = {}): Promise<AgentHandle> {
  return startAgent({
    ...options,
    args: ['--shutdown-timeout', '5s', '--max-executions-per-job', '1000', ...(options.args ?? [])],
  });
}

export async function saveJob(client: Api, body: Record<string, unknown> & { name: string }): Promise<Job> {
  const res = await client.jobs.save(body);
  expect(res.status, `save ${body.name}: ${res.text}`).toBe(201);
  return res.body;
}

/** Everything the agent has on `names` and their ledgers, as {@link countJobs} takes it. */
export async function gatherTruth(
  client: Api,
  ledgers: Ledgers,
  jobs: readonly { readonly name: string; readonly intervalMs: number; readonly createdAt: number }[],
  until: number,
): Promise<JobTruth[]> {
  const truths: JobTruth[] = [];
  for (const { name, intervalMs, createdAt } of jobs) {
    const job = await client.jobs.get(name);
    expect(job.status, `GET ${name}: ${job.text}`).toBe(200);
    const executions = await client.jobs.executions(name);
    expect(executions.status, `executions of ${name}: ${executions.text}`).toBe(200);
    const runs = (await ledgers.runs(name)).filter((r) => r.startedAt <= until + 5_000);
    truths.push({
      job: job.body,
      runs,
      executions: executions.body as Execution[],
      // `@every` slots come one interval after the whole second the job was saved in (±1 slot when the
      // save crossed a second).
      slotsExpected: everySlots(
        intervalMs,
        Math.floor(createdAt / 1000) * 1000,
        until,
        Math.floor(createdAt / 1000) * 1000,
      ),
    });
  }
  return truths;
}

export function counts(truths: readonly JobTruth[], until: number): DrillCounts {
  return countJobs(truths, until);
}

/** The `delay` of every "rqlited exited unexpectedly, restarting" line the agent logged. */
export function restartDelays(agent: AgentHandle): number[] {
  return agent
    .logs()
    .split('\n')
    .filter((line) => line.includes('"msg":"rqlited exited unexpectedly, restarting"'))
    .map((line) => Number(/"delay":([\d.]+)/.exec(line)?.[1]));
}

/** How many times the agent's store client retried an answer matching `pattern` (debug log lines). */
export function retriesMatching(agent: AgentHandle, pattern: RegExp): number {
  return agent
    .logs()
    .split('\n')
    .filter((line) => line.includes('rqlite request failed, retrying') && pattern.test(line)).length;
}
