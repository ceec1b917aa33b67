import type { Execution } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { execution, job } from './test-support/fixtures.js';
import { closedPort } from './test-support/http-peer.js';
import { useNotifierHarness } from './test-support/notifier-harness.js';
import { startSmtpPeer } from './test-support/smtp-peer.js';

const { logger, peer, track, notifierWith } = useNotifierHarness();

describe("Dkron's webhook", () => {
  it('POSTs the rendered payload with the configured headers and Host', async () => {
    const hook = await peer();
    await notifierWith({
      webhook: {
        endpoint: `${hook.origin}/hooks/dkron?x=1`,
        payload: '{"text":"{{.JobName}} {{.Success}} on {{ .NodeName }}"}',
        headers: ['Content-Type: application/json', 'Authorization: Bearer a:b', 'Host: hooks.example.test'],
      },
    }).finished(job(), execution({ status: 'failed' }));
    expect(hook.requests).toHaveLength(1);
    const [req] = hook.requests;
    expect(req).toMatchObject({
      method: 'POST',
      url: '/hooks/dkron?x=1',
      body: '{"text":"backup false on node-a"}',
    });
    expect(req?.headers).toMatchObject({
      host: 'hooks.example.test',
      'content-type': 'application/json',
      authorization: 'Bearer a:b',
      'content-length': String(Buffer.byteLength(req?.body ?? '')),
    });
  });

  it('is sent on success as well as on failure', async () => {
    const hook = await peer();
    const n = notifierWith({ webhook: { endpoint: hook.origin, payload: '{{.Status}}' } });
    await n.finished(job(), execution({ status: 'success' }));
    await n.finished(job(), execution({ status: 'failed' }));
    expect(hook.requests.map((r) => r.body)).toEqual(['success', 'failed']);
  });

  it('is not sent without a payload', async () => {
    const hook = await peer();
    await notifierWith({ webhook: { endpoint: hook.origin, payload: '' } }).finished(job(), execution());
    expect(hook.requests).toEqual([]);
  });

  it('retries after a 500 and succeeds on the next answer', async () => {
    const hook = await peer([500], 200);
    await notifierWith({ webhook: { endpoint: hook.origin, payload: 'x' } }).finished(job(), execution());
    expect(hook.requests.map((r) => r.body)).toEqual(['x', 'x']);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        message: 'notification sent',
        fields: expect.objectContaining({ attempts: 2 }),
      }),
    );
  });

  it('logs a final failure without the URL path and resolves', async () => {
    const hook = await peer([], 503);
    const n = notifierWith({ webhook: { endpoint: `${hook.origin}/secret-token`, payload: 'x' } });
    await expect(n.finished(job(), execution())).resolves.toBeUndefined();
    expect(hook.requests).toHaveLength(3);
    const failures = logger.lines.filter((l) => l.level === 'error');
    expect(failures).toEqual([
      {
        level: 'error',
        message: 'notification failed',
        fields: {
          channel: 'webhook',
          target: hook.origin,
          job: 'backup',
          execution: '1714557600000000000-node-a',
          attempts: 3,
          error: `HTTP 503 from ${hook.origin}: status 503`,
        },
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain('secret-token');
  });

  it('gives up an attempt that gets no answer within the time limit', async () => {
    const hook = await peer(['hang'], 200);
    await notifierWith({ fetchTimeoutMs: 100, webhook: { endpoint: hook.origin, payload: 'x' } }).finished(
      job(),
      execution(),
    );
    expect(hook.requests).toHaveLength(2);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('fails once, without retrying, for an unusable endpoint', async () => {
    const n = notifierWith({ webhook: { endpoint: 'ftp://x.example', payload: 'x' } });
    await n.finished(job(), execution());
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'webhook-endpoint is not usable; every call will fail',
      }),
    );
    expect(logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ attempts: 1 });
  });
});

describe("Dkron's pre-webhook", () => {
  it('POSTs once per execution start', async () => {
    const hook = await peer();
    const n = notifierWith({
      preWebhook: {
        endpoint: hook.origin,
        payload: '{{.JobName}} started {{.ExecutionID}} #{{.Attempt}}',
        headers: ['X-Kind: pre'],
      },
    });
    const running = execution({
      status: 'running',
      finished_at: '0001-01-01T00:00:00Z',
      success: false,
      output: '',
    });
    await n.started(job(), running);
    await n.started(job(), running);
    const retry: Execution = { ...running, id: '1714557660000000000-node-a', attempt: 2 };
    await n.started(job(), retry);
    expect(hook.requests.map((r) => r.body)).toEqual([
      'backup started 1714557600000000000-node-a #1',
      'backup started 1714557660000000000-node-a #2',
    ]);
    expect(hook.requests[0]?.headers['x-kind']).toBe('pre');
  });

  it('is not sent for results, and the post webhook is not sent for starts', async () => {
    const pre = await peer();
    const post = await peer();
    const n = notifierWith({
      preWebhook: { endpoint: pre.origin, payload: 'pre' },
      webhook: { endpoint: post.origin, payload: 'post' },
    });
    await n.started(job(), execution({ status: 'running' }));
    await n.finished(job(), execution());
    expect(pre.requests.map((r) => r.body)).toEqual(['pre']);
    expect(post.requests.map((r) => r.body)).toEqual(['post']);
  });
});

describe('per-job notify.webhook', () => {
  it('POSTs the job, execution, output, status and node as JSON', async () => {
    const hook = await peer();
    const failed = execution({ status: 'failed', output: 'boom "quoted"\n' });
    await notifierWith({}).finished(job({ notify: { webhook: `${hook.origin}/job` } }), failed);
    const [req] = hook.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/job');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      job: 'backup',
      execution: failed,
      output: 'boom "quoted"\n',
      status: 'failed',
      node: 'node-a',
    });
  });

  const statuses = ['success', 'failed', 'lost', 'cancelled'] as const;
  it.each([
    ['failure' as const, ['failed', 'lost', 'cancelled']],
    [undefined, ['failed', 'lost', 'cancelled']],
    ['success' as const, ['success']],
    ['always' as const, ['success', 'failed', 'lost', 'cancelled']],
  ])('on=%s fires for %j only', async (on, expected) => {
    const hook = await peer();
    const n = notifierWith({});
    const rule = on === undefined ? { webhook: hook.origin } : { on, webhook: hook.origin };
    for (const status of statuses) await n.finished(job({ notify: rule }), execution({ status }));
    expect(hook.requests.map((r) => JSON.parse(r.body).status)).toEqual(expected);
  });

  it('retries a per-job webhook like the global one', async () => {
    const hook = await peer([500, 502], 200);
    await notifierWith({}).finished(
      job({ notify: { webhook: hook.origin } }),
      execution({ status: 'failed' }),
    );
    expect(hook.requests).toHaveLength(3);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('channels', () => {
  it('are delivered independently: a dead webhook does not stop the others', async () => {
    const smtp = await startSmtpPeer();
    track(smtp);
    const jobHook = await peer();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const n = notifierWith({
      mail: { host: '127.0.0.1', port: smtp.port, from: 'dkron@example.test' },
      webhook: { endpoint: dead, payload: 'x' },
    });
    await n.finished(
      job({
        owner_email: 'owner@example.test',
        notify: { webhook: jobHook.origin, email: 'team@example.test' },
      }),
      execution({ status: 'failed' }),
    );
    expect(smtp.mails.map((m) => m.to)).toEqual(
      expect.arrayContaining([['owner@example.test'], ['team@example.test']]),
    );
    expect(jobHook.requests).toHaveLength(1);
    const failures = logger.lines.filter((l) => l.level === 'error');
    expect(failures.map((l) => l.fields?.channel)).toEqual(['webhook']);
  });

  it('stop retrying at close, and nothing is sent afterwards', async () => {
    const hook = await peer([], 500);
    const n = notifierWith({
      retry: { attempts: 5, initialDelayMs: 60_000 },
      webhook: { endpoint: hook.origin, payload: 'x' },
    });
    const done = n.finished(job(), execution());
    await hook.waitFor(1);
    await n.close();
    await done;
    await n.finished(job(), execution());
    expect(hook.requests).toHaveLength(1);
    expect(logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ attempts: 1 });
  });
});
