// Creating and reading jobs through a server's API with an undici Pool, for the benchmarks that run
// many jobs (scheduling, cluster).
import { Pool } from 'undici';
import { mapLimit } from './harness.mjs';

/** A client of one server's API; `use(baseUrl)` points it at another server (after a failover). */
export function jobClient(baseUrl, { connections = 16 } = {}) {
  let pool = new Pool(baseUrl, { connections });
  let createErrors = 0;
  const json = async (path) => {
    const { statusCode, body } = await pool.request({ method: 'GET', path });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`GET ${path}: ${statusCode} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  return {
    get createErrors() {
      return createErrors;
    },
    use(url) {
      void pool.close().catch(() => {});
      pool = new Pool(url, { connections });
    },
    /** POST /v1/jobs; a refusal is counted (`createErrors`) and the first three are printed. */
    async create(body) {
      const { statusCode, body: res } = await pool.request({
        method: 'POST',
        path: '/v1/jobs',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (statusCode !== 201 && createErrors++ < 3)
        console.error(`create ${body.name}: ${statusCode} ${text.slice(0, 200)}`);
    },
    /** Every execution of a job (newest first), output included. */
    executions: (name) => json(`/v1/jobs/${encodeURIComponent(name)}/executions?_start=0&_end=100000`),
    /** The newest execution of a job, or undefined. */
    latest: async (name) =>
      (await json(`/v1/jobs/${encodeURIComponent(name)}/executions?_start=0&_end=1`))[0],
    json,
    close: () => pool.close().catch(() => {}),
  };
}

/**
 * Measures the create rate on `count` jobs `@manually` (they never run) named `<prefix>-<i>`, at
 * concurrency 16; returns milliseconds per job. The benchmarks place their jobs' `starts_at` after the
 * predicted end of their creates, so creating does not compete with running.
 */
export async function measureCreateRate(client, { prefix, count = 100, fields = {} }) {
  const started = performance.now();
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await mapLimit(names, 16, (name) => client.create({ name, schedule: '@manually', ...fields }));
  return (performance.now() - started) / count;
}
