import { describe, expect, it } from 'vitest';
import { createNotifier } from './index.js';
import { execution, job } from './test-support/fixtures.js';
import { closedPort } from './test-support/http-peer.js';
import { useNotifierHarness } from './test-support/notifier-harness.js';

const { logger, peer, notifierWith } = useNotifierHarness();

const SERIES = '1714557600000000000-node-a';
const running = execution({ status: 'running', finished_at: '0001-01-01T00:00:00Z', output: '' });
const errors = () => logger.lines.filter((l) => l.level === 'error');

describe("Dkron's Cronitor telemetry", () => {
  it('pings state=run at the start and state=complete after a success, with one series', async () => {
    const cronitor = await peer();
    const n = notifierWith({ cronitor: { endpoint: `${cronitor.origin}/p/api-key-123` } });
    await n.started(job(), running);
    await n.started(job(), running);
    await n.finished(job(), execution({ status: 'success' }));
    expect(cronitor.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['GET', `/p/api-key-123/backup?host=node-a&message=Job+run+by+Dkron&series=${SERIES}&state=run`, ''],
      [
        'GET',
        `/p/api-key-123/backup?host=node-a&message=Job+complete+by+Dkron&series=${SERIES}&state=complete`,
        '',
      ],
    ]);
    expect(errors()).toEqual([]);
    const sent = logger.lines.filter((l) => l.message === 'notification sent');
    expect(sent.map((l) => l.fields)).toEqual([
      { channel: 'cronitor', target: cronitor.origin, job: 'backup', execution: SERIES, attempts: 1 },
      { channel: 'cronitor', target: cronitor.origin, job: 'backup', execution: SERIES, attempts: 1 },
    ]);
  });

  it.each(['failed', 'lost', 'cancelled'] as const)('pings state=fail after a %s result', async (status) => {
    const cronitor = await peer();
    const n = notifierWith({ cronitor: { endpoint: `${cronitor.origin}/p/k` } });
    await n.started(job(), running);
    await n.finished(job(), execution({ status }));
    expect(cronitor.requests.map((r) => r.url)).toEqual([
      `/p/k/backup?host=node-a&message=Job+run+by+Dkron&series=${SERIES}&state=run`,
      `/p/k/backup?host=node-a&message=Job+complete+by+Dkron&series=${SERIES}&state=fail`,
    ]);
  });

  it('encodes a job name with spaces and slashes as one path segment', async () => {
    const cronitor = await peer();
    const name = 'nightly backup/db?x#1';
    await notifierWith({ cronitor: { endpoint: `${cronitor.origin}/p/k` } }).finished(
      job({ name }),
      execution({ job_name: name, node_name: 'node b&c' }),
    );
    const [req] = cronitor.requests;
    expect(req?.url).toBe(
      `/p/k/nightly%20backup%2Fdb%3Fx%231?host=node+b%26c&message=Job+complete+by+Dkron&series=${SERIES}&state=complete`,
    );
    const url = new URL(req?.url ?? '', cronitor.origin);
    expect(url.pathname.split('/').map(decodeURIComponent)).toEqual(['', 'p', 'k', name]);
    expect(url.searchParams.get('host')).toBe('node b&c');
  });

  it("keeps the endpoint's own query and drops its trailing slash", async () => {
    const cronitor = await peer();
    await notifierWith({ cronitor: { endpoint: `${cronitor.origin}/p/k/?env=prod%20eu#frag` } }).started(
      job(),
      running,
    );
    expect(cronitor.requests.map((r) => r.url)).toEqual([
      `/p/k/backup?env=prod%20eu&host=node-a&message=Job+run+by+Dkron&series=${SERIES}&state=run`,
    ]);
  });

  it('retries a 500, then logs the failure without the API key and resolves', async () => {
    const cronitor = await peer([], 500);
    const n = notifierWith({ cronitor: { endpoint: `${cronitor.origin}/p/secret-key` } });
    await expect(n.finished(job(), execution({ status: 'failed' }))).resolves.toBeUndefined();
    expect(cronitor.requests).toHaveLength(3);
    expect(new Set(cronitor.requests.map((r) => r.url))).toEqual(
      new Set([`/p/secret-key/backup?host=node-a&message=Job+complete+by+Dkron&series=${SERIES}&state=fail`]),
    );
    expect(errors()).toEqual([
      {
        level: 'error',
        message: 'notification failed',
        fields: {
          channel: 'cronitor',
          target: cronitor.origin,
          job: 'backup',
          execution: SERIES,
          attempts: 3,
          error: `HTTP 500 from ${cronitor.origin}: status 500`,
        },
      },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('secret-key');
  });

  it('retries a 500 and succeeds on the next answer', async () => {
    const cronitor = await peer([500], 200);
    await notifierWith({ cronitor: { endpoint: cronitor.origin } }).started(job(), running);
    expect(cronitor.requests.map((r) => r.url)).toEqual([
      `/backup?host=node-a&message=Job+run+by+Dkron&series=${SERIES}&state=run`,
      `/backup?host=node-a&message=Job+run+by+Dkron&series=${SERIES}&state=run`,
    ]);
    expect(errors()).toEqual([]);
  });

  it('does not hold up the other channels when Cronitor is unreachable', async () => {
    const hook = await peer();
    const pre = await peer();
    const n = notifierWith({
      cronitor: { endpoint: `http://127.0.0.1:${await closedPort()}/p/k` },
      webhook: { endpoint: hook.origin, payload: 'post' },
      preWebhook: { endpoint: pre.origin, payload: 'pre' },
    });
    await n.started(job(), running);
    await n.finished(job(), execution());
    expect(pre.requests.map((r) => r.body)).toEqual(['pre']);
    expect(hook.requests.map((r) => r.body)).toEqual(['post']);
    expect(errors().map((l) => [l.fields?.channel, l.fields?.attempts])).toEqual([
      ['cronitor', 3],
      ['cronitor', 3],
    ]);
  });

  it('fails once, without retrying, for an unusable endpoint', async () => {
    const n = notifierWith({ cronitor: { endpoint: 'ftp://cronitor.example/p/k' } });
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'cronitor-endpoint is not usable; every ping will fail',
        fields: { error: 'cronitor-endpoint: must be an http or https URL, got a "ftp:" URL' },
      },
    ]);
    await n.finished(job(), execution());
    expect(errors().map((l) => l.fields)).toEqual([
      expect.objectContaining({ channel: 'cronitor', attempts: 1 }),
    ]);
  });

  it('sends nothing without an endpoint', async () => {
    const hook = await peer();
    const n = notifierWith({ cronitor: { endpoint: '' }, webhook: { endpoint: hook.origin, payload: 'x' } });
    await n.started(job(), running);
    await n.finished(job(), execution());
    await n.finished(job(), execution({ status: 'failed' }));
    // Only the webhook's POSTs arrive; no channel but the webhook was even tried.
    expect(hook.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(logger.lines.map((l) => [l.level, l.fields?.channel])).toEqual([
      ['debug', 'webhook'],
      ['debug', 'webhook'],
    ]);

    logger.lines.length = 0;
    const bare = createNotifier({ nodeName: 'leader-1', logger });
    await bare.started(job(), running);
    await bare.finished(job(), execution({ status: 'failed' }));
    await bare.close();
    expect(logger.lines).toEqual([]);
  });
});
