import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import type { CliContext } from './types.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const context: CliContext = {
    env,
    cwd: '/',
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
  };
  const code = await runCli(argv, context).catch((err: Error) => {
    out.stderr += err.message;
    return 1;
  });
  return { code, ...out };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server answering every request with `status` and `body`, recording what it got. */
async function serve(status: number, body: unknown) {
  const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body: text });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { addr: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('dkron-core acl', () => {
  it('prints a created token as Dkron Pro does, sending the caller`s token and the policies', async () => {
    const token = {
      accessor_id: 'acc-1',
      secret: 'sec-1',
      name: 'ci',
      type: 'client',
      policies: ['a', 'b'],
      create_time: 't',
    };
    const server = await serve(201, token);
    const r = await run(
      ['acl', 'token', 'create', '--name', 'ci', '--policy', 'a', '--policy=b', '--http-addr', server.addr],
      {
        DKRON_TOKEN: 'mgmt',
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'Accessor ID:  acc-1\nSecret:       sec-1\nName:         ci\nType:         client\nCreateTime:   t\nPolicies:     a, b\n',
    );
    expect(server.seen).toEqual([
      {
        method: 'POST',
        url: '/v1/acl/tokens',
        authorization: 'Bearer mgmt',
        body: JSON.stringify({ name: 'ci', type: 'client', policies: ['a', 'b'] }),
      },
    ]);
  });

  it('says how to pass a token when the server answers 401', async () => {
    const server = await serve(401, { message: 'this API needs an ACL token', code: 'UNAUTHORIZED' });
    const r = await run(['acl', 'token', 'list', '--http-addr', server.addr]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'GET /v1/acl/tokens failed: HTTP 401: this API needs an ACL token (pass a token with --token or DKRON_TOKEN)',
    );
  });

  it.each([
    [
      ['acl', 'policy', 'apply', '--name', 'p'],
      'acl policy apply: --rules-file is required (see dkron-core acl policy apply --help)',
    ],
    [
      ['acl', 'policy', 'apply', '--rules-file', 'x.json'],
      'acl policy apply: --name is required (see dkron-core acl policy apply --help)',
    ],
    [
      ['acl', 'policy', 'apply', '--name', 'p', '--rules-file', '/nonexistent.json'],
      '--rules-file: cannot read /nonexistent.json as JSON',
    ],
    [
      ['acl', 'token', 'revoke'],
      'acl token revoke: --accessor-id is required (see dkron-core acl token revoke --help)',
    ],
    [
      ['acl', 'token', 'revoke', 'a', 'b'],
      'unexpected argument "b" (see dkron-core acl token revoke --help)',
    ],
    [['acl', 'token', 'list', '--token', ' '], '--token: the token secret is empty'],
    [['acl', 'tokens'], 'unknown command "tokens" for "dkron-core acl", did you mean token?'],
  ])('%j is a usage error', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
