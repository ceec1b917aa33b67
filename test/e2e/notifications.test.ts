import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpPeer, startHttpPeer } from '../../packages/notify/src/test-support/http-peer.js';
import { type SmtpPeer, startSmtpPeer } from '../../packages/notify/src/test-support/smtp-peer.js';
import { type AgentHandle, api, startAgent, waitFor } from './helpers/index.js';

// Notifications through a real server: Dkron's global webhook and mail (configured by flags), Cronitor
// pings, the per-job `notify` rule and StatsD metrics, delivered to real HTTP, SMTP and UDP listeners
// on loopback.
describe('notifications e2e', () => {
  let agent: AgentHandle;
  let smtp: SmtpPeer;
  let globalHook: HttpPeer;
  let jobHook: HttpPeer;
  let preHook: HttpPeer;
  let cronitor: HttpPeer;
  let statsd: Socket;
  const datagrams: string[] = [];

  beforeAll(async () => {
    [smtp, globalHook, jobHook, preHook, cronitor] = await Promise.all([
      startSmtpPeer(),
      startHttpPeer(),
      startHttpPeer([500]), // the first per-job delivery fails and must be retried
      startHttpPeer(),
      startHttpPeer(),
    ]);
    statsd = createSocket('udp4');
    statsd.on('message', (message) => datagrams.push(...message.toString('utf8').split('\n')));
    await new Promise<void>((resolve) => statsd.bind(0, '127.0.0.1', resolve));
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
        '--cronitor-endpoint',
        `${cronitor.origin}/p/key`,
        '--statsd-addr',
        `127.0.0.1:${statsd.address().port}`,
      ],
    });
  });

  afterAll(async () => {
    await agent?.stop();
    await Promise.all([
      smtp?.close(),
      globalHook?.close(),
      jobHook?.close(),
      preHook?.close(),
      cronitor?.close(),
      new Promise<void>((resolve) => (statsd ? statsd.close(() => resolve()) : resolve())),
    ]);
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

    // Cronitor: a run ping and a complete/fail ping per execution, paired by series.
    const pings = (await cronitor.waitFor(4)).map((r) => new URL(r.url, 'http://x'));
    const states = pings.map((u) => `${u.pathname} ${u.searchParams.get('state')}`).sort();
    expect(states).toEqual(['/p/key/bad fail', '/p/key/bad run', '/p/key/good complete', '/p/key/good run']);
    expect(pings.every((u) => u.searchParams.get('host') === agent.nodeName)).toBe(true);
    expect(new Set(pings.map((u) => u.searchParams.get('series'))).size).toBe(2);

    // StatsD: the execution counters, flushed within a second.
    await waitFor(() =>
      ['dkron.job.executions_succeeded.good:1|c', 'dkron.job.executions_failed.bad:1|c'].every((line) =>
        datagrams.includes(line),
      ),
    );
  });
});
