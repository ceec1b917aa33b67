import { type Execution, ZERO_TIME } from '@dkron-core/plugin-api';
import { DateTime } from 'luxon';

/**
 * How Dkron's API shows what the kernel stores: list times in the job's zone, `output_truncated`
 * always present, and the Serf statistics of `GET /v1`. The kernel keeps UTC and plain records.
 */

/** An RFC 3339 time shown in `zone`; Dkron's zero time and unparsable text stay as they are. */
export function inZone(text: string, zone: string): string {
  if (text === ZERO_TIME || zone === 'UTC') return text;
  const time = DateTime.fromISO(text, { zone });
  return time.isValid ? (time.toISO({ suppressMilliseconds: true }) ?? text) : text;
}

/**
 * A job's executions as `GET /v1/jobs/{job}/executions` lists them: times in the job's zone (UTC
 * without one) and `output_truncated` always sent.
 */
export function presentExecutions(executions: readonly Execution[], timezone: string): Execution[] {
  const zone = timezone === '' ? 'UTC' : timezone;
  return executions.map((e) => ({
    ...e,
    started_at: inZone(e.started_at, zone),
    finished_at: inZone(e.finished_at, zone),
    output_truncated: e.output_truncated ?? false,
  }));
}

/** What `GET /v1` shows: the agent, Serf-looking statistics (Dkron clients read them), the tags. */
export function presentStatus(status: {
  agent: { name: string; version: string };
  members: number;
  tags: Record<string, string>;
}): { agent: { name: string; version: string }; serf: Record<string, string>; tags: Record<string, string> } {
  return {
    agent: status.agent,
    serf: {
      members: String(status.members),
      failed: '0',
      left: '0',
      health_score: '0',
      member_time: '1',
      event_time: '1',
      query_time: '1',
      intent_queue: '0',
      event_queue: '0',
      query_queue: '0',
      encrypted: 'false',
    },
    tags: status.tags,
  };
}
