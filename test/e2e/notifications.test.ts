import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpPeer, startHttpPeer } from '../../packages/notify/src/test-support/http-peer.js';
import { type SmtpPeer, startSmtpPeer } from '../../packages/notify/src/test-support/smtp-peer.js';
import { type AgentHandle, api, startAgent } from './helpers/index.js';

// Notifications through a real server: Dkron's global webhook and mail (configured by flags) and the
// per-job `notify` rule, delivered to a real HTTP listener and a real SMTP server on loopback.
describe('notifications e2e', () => {
  let agent: AgentHandle;
  let smtp: SmtpPeer;
  let globalHook: HttpPeer;
  let jobHook: HttpPeer;
  let preHook: HttpPeer;

  beforeAll(async () => {
    [smtp, globalHook, jobHook, preHook] = await Promise.all([
      startSmtpPeer(),
      startHttpPeer(),
      startHttpPeer([500]), // the first per-job delivery fails and must be retried
      startHttpPeer(),
    ]);
    agent = await startAgent({
      args: [
        '--mail-host',
        '127.0.0.1',
        '--mail-port',
        String(smtp.port),
        '--mail-from',
        'dkron@example.com',
        '--webhook-endpoint',
        `${globalHook.origin}/done`,
        '--webhook-payload',
        'job={{.JobName}} success={{.Success}}',
        '--webhook-headers',
        'X-Token: secret',
        '--pre-webhook-endpoint',
        `${preHook.origin}/start`,
        '--pre-webhook-payload',
        'starting {{.JobName}}',
      ],
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await Promise.all([smtp?.close(), globalHook?.close(), jobHook?.close(), preHook?.close()]);
  });

  it('sends the global webhook, pre-webhook and owner mail, and the per-job rule on failure only', async () => {
    const client = api(agent.baseUrl);
    const base = { schedule: '@manually', executor: 'shell', owner_email: 'owner@example.com' };
    const notify = { on: 'failure', webhook: `${jobHook.origin}/job`, email: ['oncall@example.com'] };
    expect(
      (
        await client.jobs.save({
          ...base,
          name: 'bad',
          executor_config: { command: 'false' },
          notify,
        } as never)
      ).status,
    ).toBe(201);
    expect(
      (
        await client.jobs.save({
          ...base,
          name: 'good',
          executor_config: { command: 'true' },
          notify,
        } as never)
      ).status,
    ).toBe(201);
    expect((await client.jobs.run('good')).status).toBe(200);
    expect((await client.jobs.run('bad')).status).toBe(200);

    // Global post-webhook: one per final result, rendered template, configured header.
    const done = await globalHook.waitFor(2);
    expect(done.map((r) => r.body).sort()).toEqual(['job=bad success=false', 'job=good success=true']);
    expect(done[0]?.method).toBe('POST');
    expect(done[0]?.headers['x-token']).toBe('secret');
    // Pre-webhook: once per execution start.
    const started = await preHook.waitFor(2);
    expect(started.map((r) => r.body).sort()).toEqual(['starting bad', 'starting good']);

    // Per-job webhook with on: failure: only `bad`, delivered after a retry of the 500.
    const perJob = await jobHook.waitFor(2);
    expect(perJob).toHaveLength(2);
    const body = JSON.parse(perJob[1]?.body ?? '{}') as { job?: string; status?: string; output?: string };
    expect(body.job).toBe('bad');
    expect(body.status).toBe('failed');
    expect(perJob[1]?.headers['content-type']).toContain('application/json');

    // Mail: the owner gets Dkron's global report for both; on-call gets the per-job failure report.
    const mails = await smtp.waitFor(3);
    const subjects = mails.map((m) => `${m.to.join(',')} ${m.headers.subject}`).sort();
    expect(subjects).toEqual([
      'oncall@example.com [Dkron]Failed bad execution report',
      'owner@example.com [Dkron]Failed bad execution report',
      'owner@example.com [Dkron]Success good execution report',
    ]);
    expect(mails.every((m) => m.from === 'dkron@example.com')).toBe(true);
    expect(mails.every((m) => m.auth === undefined)).toBe(true);
    // Nothing per-job for the successful run.
    expect(jobHook.requests.some((r) => r.body.includes('"good"'))).toBe(false);
  });
});
