import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { type DkronError, isDkronError } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRqliteClient, parseRqliteUrls, type RqliteClient } from './rqlite-client.js';
import { freePorts, startTestRqlite, type TestRqlite } from './test-support/helpers.js';

const TRANSPORTS = ['rqlite-js', 'undici'] as const;

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A tiny HTTP server standing in for rqlite, answering with `handler`. */
async function fakeRqlite(
  handler: Handler,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${body}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('parseRqliteUrls', () => {
  it('splits a comma-separated list and adds the scheme', () => {
    expect(parseRqliteUrls('http://a:4001/, b:4001 ,https://c:4001')).toEqual([
      'http://a:4001',
      'http://b:4001',
      'https://c:4001',
    ]);
  });

  it('rejects an empty list', () => {
    expect(() => parseRqliteUrls(' , ')).toThrow(/no rqlite URL/);
  });
});

describe.each(TRANSPORTS)('rqlite client against a fake node (%s)', (transport) => {
  it('retries 503 "leader not found" with backoff until the node answers 200', async () => {
    let calls = 0;
    const fake = await fakeRqlite((_req, res) => {
      calls++;
      if (calls <= 3) {
        res.writeHead(503).end('leader not found');
        return;
      }
      json(res, 200, { results: [{ last_insert_id: 1, rows_affected: 1 }] });
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
    try {
      const results = await client.execute([['INSERT INTO t (a) VALUES (?)', 1]]);
      expect(results).toEqual([{ rowsAffected: 1 }]);
      expect(calls).toBe(4);
      // Parameterized statements travel as JSON arrays, and never with ?queue.
      expect(fake.requests[3]).toBe('POST /db/execute [["INSERT INTO t (a) VALUES (?)",1]]');
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('reads at strong after a node was down or restarting, until a request went through the log', async () => {
    let calls = 0;
    const fake = await fakeRqlite((req, res) => {
      calls++;
      if (calls === 2) {
        json(res, 200, { results: [], error: 'store not open' });
        return;
      }
      if (req.url?.startsWith('/db/execute')) json(res, 200, { results: [{ rows_affected: 1 }] });
      else json(res, 200, { results: [{ columns: ['v'], values: [[1]] }] });
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport, level: 'linearizable' });
    const levels = () => fake.requests.map((r) => /level=(\w+)/.exec(r)?.[1] ?? r.split(' ')[1]);
    try {
      await client.query([['SELECT v FROM t']]); // 1: linearizable
      await client.query([['SELECT v FROM t']]); // 2: store not open; 3: its retry, strong
      await client.query([['SELECT v FROM t']]); // 4: linearizable again (3 went through the log)
      await client.query([['SELECT v FROM t']], { level: 'weak' }); // 5
      expect(levels()).toEqual(['linearizable', 'linearizable', 'strong', 'linearizable', 'weak']);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('clears the strong-read barrier with a write made after the failure', async () => {
    let calls = 0;
    const fake = await fakeRqlite((req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503).end('leader not found');
        return;
      }
      if (req.url?.startsWith('/db/execute')) json(res, 200, { results: [{ rows_affected: 1 }] });
      else json(res, 200, { results: [{ columns: ['v'], values: [[1]] }] });
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
    try {
      await client.execute([['UPDATE t SET v = 1']]); // 1: 503; 2: applied (began after the failure)
      await client.query([['SELECT v FROM t']]); // 3: weak, the default
      expect(fake.requests.map((r) => r.split(' ')[1])).toEqual([
        '/db/execute',
        '/db/execute',
        '/db/query?level=weak',
      ]);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('gives up with UNAVAILABLE once the deadline passes', async () => {
    const fake = await fakeRqlite((_req, res) => {
      res.writeHead(503).end('leader not found');
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 300, transport });
    const started = Date.now();
    try {
      const error = await client.query([['SELECT 1']]).catch((e: unknown) => e);
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toMatch(
        /rqlite unavailable after 300 ms: .*503: leader not found/,
      );
      // It gave up because of the deadline (after several tries), not after some other, longer wait.
      expect(Date.now() - started).toBeLessThan(300 + 5_000);
      expect(fake.requests.length).toBeGreaterThan(1);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('retries a 200 whose top-level error is "store not open" (a restarting node) like a connection error', async () => {
    let calls = 0;
    const fake = await fakeRqlite((_req, res) => {
      calls++;
      if (calls <= 2) json(res, 200, { results: [], error: 'store not open' });
      else json(res, 200, { results: [{ last_insert_id: 1, rows_affected: 1 }] });
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
    try {
      expect(await client.execute([['INSERT INTO t (a) VALUES (?)', 1]])).toEqual([{ rowsAffected: 1 }]);
      expect(calls).toBe(3);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('retries a 200 whose error says a follower could not forward to its leader (the leader just died)', async () => {
    let calls = 0;
    const fake = await fakeRqlite((_req, res) => {
      calls++;
      const refused = 'pool get: dial tcp 127.0.0.1:4002: connect: connection refused';
      if (calls <= 2)
        json(res, 200, {
          error: `node failed to process Execute on remote node at 127.0.0.1:4002: ${refused}`,
        });
      else json(res, 200, { results: [{ last_insert_id: 1, rows_affected: 1 }] });
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
    try {
      expect(await client.execute([['INSERT INTO t (a) VALUES (?)', 1]])).toEqual([{ rowsAffected: 1 }]);
      expect(calls).toBe(3);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('gives up on "store not open" with UNAVAILABLE at the deadline, never INTERNAL', async () => {
    const fake = await fakeRqlite((_req, res) => json(res, 200, { error: 'store not open' }));
    const client = createRqliteClient({ url: fake.url, deadlineMs: 300, transport });
    try {
      const error = await client.query([['SELECT 1']]).catch((e: unknown) => e);
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toMatch(/rqlite unavailable after 300 ms: .*store not open/);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it.each([
    ['a statement', { results: [{ error: 'database or disk is full' }] }, 200],
    [
      'the Raft log',
      {
        results: [],
        error: 'unable to store logs within log store, err: "write /d/raft.db: no space left on device"',
      },
      200,
    ],
    ['an HTTP 500', 'write /d/raft.db: no space left on device', 500],
  ])(
    'answers a full disk reported by %s with UNAVAILABLE "store disk full", at once',
    async (_what, body, status) => {
      const fake = await fakeRqlite((_req, res) => {
        if (typeof body === 'string') res.writeHead(status).end(body);
        else json(res, status, body);
      });
      const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
      try {
        const error = await client.execute([['INSERT INTO t (a) VALUES (?)', 1]]).catch((e: unknown) => e);
        expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
        expect((error as DkronError).message).toMatch(/^store disk full: /);
        expect((error as DkronError).details).toMatchObject({ reason: 'disk-full' });
        expect(fake.requests).toHaveLength(1);
      } finally {
        await client.close();
        await fake.close();
      }
    },
  );

  it('does not retry a 400', async () => {
    const fake = await fakeRqlite((_req, res) => {
      res.writeHead(400).end('invalid request');
    });
    const client = createRqliteClient({ url: fake.url, deadlineMs: 5_000, transport });
    try {
      const error = await client.query([['SELECT 1']]).catch((e: unknown) => e);
      expect(isDkronError(error, 'INTERNAL')).toBe(true);
      expect((error as Error).message).toMatch(/HTTP 400: invalid request/);
      expect(fake.requests).toHaveLength(1);
    } finally {
      await client.close();
      await fake.close();
    }
  });

  it('sends the weak consistency level by default and the transaction flag when asked', async () => {
    const fake = await fakeRqlite((req, res) => {
      const n = req.url?.startsWith('/db/query') ? 1 : 2;
      json(res, 200, { results: Array.from({ length: n }, () => ({})) });
    });
    const client = createRqliteClient({ url: fake.url, transport });
    try {
      await client.query([['SELECT 1']]);
      await client.query([['SELECT 1']], { level: 'strong' });
      await client.execute([['DELETE FROM a'], ['DELETE FROM b']], { transaction: true });
      expect(fake.requests.map((r) => r.split(' ')[1])).toEqual([
        '/db/query?level=weak',
        '/db/query?level=strong',
        '/db/execute?transaction=true',
      ]);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});

describe.each(TRANSPORTS)('rqlite client against rqlited (%s)', (transport) => {
  let node: TestRqlite;
  let client: RqliteClient;

  beforeAll(async () => {
    node = await startTestRqlite();
    client = createRqliteClient({ url: node.rqlite.url, transport, credentials: node.rqlite.credentials });
    await client.execute([['DROP TABLE IF EXISTS t'], ['CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)']]);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await node?.cleanup();
  });

  it('keeps statement boundaries: one result per statement, empty ones included', async () => {
    await client.execute([
      ['INSERT INTO t (a, b) VALUES (?, ?)', 1, 'one'],
      ['INSERT INTO t (a, b) VALUES (?, ?)', 2, 'it\'s "quoted"; DROP TABLE t'],
    ]);
    const [none, rows, count] = await client.query([
      ['SELECT a, b FROM t WHERE a > ?', 100],
      ['SELECT a, b FROM t ORDER BY a'],
      ['SELECT count(*) AS n FROM t'],
    ]);
    expect(none?.rows).toEqual([]);
    expect(rows?.rows).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'it\'s "quoted"; DROP TABLE t' },
    ]);
    expect(count?.rows).toEqual([{ n: 2 }]);
  });

  it('reports rows affected (0 when rqlite omits the key)', async () => {
    const results = await client.execute([
      ['INSERT OR IGNORE INTO t (a, b) VALUES (?, ?)', 1, 'dup'],
      ['UPDATE t SET b = ? WHERE a >= ?', 'x', 1],
    ]);
    expect(results).toEqual([{ rowsAffected: 0 }, { rowsAffected: 2 }]);
  });

  it('surfaces a per-statement error inside a 200 as a DkronError naming the statement', async () => {
    const error = await client
      .execute(
        [
          ['INSERT INTO t (a) VALUES (?)', 10],
          ['INSERT INTO missing_table (a) VALUES (?)', 1],
        ],
        {
          transaction: true,
        },
      )
      .catch((e: unknown) => e);
    expect(isDkronError(error, 'INTERNAL')).toBe(true);
    expect((error as DkronError).message).toBe(
      'rqlite statement 2 failed: no such table: missing_table (in: INSERT INTO missing_table (a) VALUES (?))',
    );
    expect((error as DkronError).details).toMatchObject({ index: 1 });
    // The transaction rolled back: the first statement left nothing.
    const [result] = await client.query([['SELECT count(*) AS n FROM t WHERE a = ?', 10]]);
    expect(result?.rows).toEqual([{ n: 0 }]);
  });

  it('runs writes and reads in one round trip with request()', async () => {
    const [write, read] = await client.request(
      [
        ['UPDATE t SET b = ? WHERE a = ?', 'via request', 2],
        ['SELECT b FROM t WHERE a = ?', 2],
      ],
      { transaction: true },
    );
    expect(write).toMatchObject({ rowsAffected: 1, rows: [] });
    expect(read).toMatchObject({ rowsAffected: 0, rows: [{ b: 'via request' }] });
  });

  it('moves to the next URL on a connection error, and stays on the node that answered', async () => {
    // A first "node" that accepts connections and drops them at once, counting them.
    let dropped = 0;
    const broken = createNetServer((socket) => {
      dropped++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const { port } = broken.address() as AddressInfo;
    const failover = createRqliteClient({
      url: `http://127.0.0.1:${port},${node.rqlite.url}`,
      deadlineMs: 5_000,
      credentials: node.rqlite.credentials,
    });
    try {
      const [result] = await failover.query([['SELECT count(*) AS n FROM t']]);
      expect(result?.rows).toEqual([{ n: 2 }]);
      const droppedBefore = dropped;
      expect(droppedBefore).toBeGreaterThan(0);
      const [again] = await failover.query([['SELECT 1 AS one']]);
      expect(again?.rows).toEqual([{ one: 1 }]);
      expect(dropped, 'the second query went to the node that answered').toBe(droppedBefore);
    } finally {
      await failover.close();
      await new Promise((resolve) => broken.close(resolve));
    }
  });

  it('is UNAVAILABLE when no node answers before the deadline', async () => {
    const [dead] = (await freePorts(1)) as [number];
    const nowhere = createRqliteClient({ url: `127.0.0.1:${dead}`, deadlineMs: 200, transport });
    try {
      const error = await nowhere.execute([['SELECT 1']]).catch((e: unknown) => e);
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    } finally {
      await nowhere.close();
    }
  });
});
