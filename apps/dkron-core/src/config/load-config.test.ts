import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUsageError } from './errors.js';
import { type LoadConfigInput, loadConfig } from './load-config.js';

let root: string;
let cwd: string;
let home: string;
let etcDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dkron-config-'));
  cwd = join(root, 'work');
  home = join(root, 'home');
  etcDir = join(root, 'etc', 'dkron');
  await Promise.all([cwd, home, etcDir].map((d) => mkdir(d, { recursive: true })));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function load(input: Partial<LoadConfigInput> = {}) {
  return loadConfig({ argv: [], env: {}, cwd, home, etcDir, hostname: 'host-1', ...input });
}

async function file(dir: string, name: string, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The problems of the UsageError `promise` rejects with. */
async function problems(promise: Promise<unknown>): Promise<readonly string[]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUsageError(err)) throw new Error(`expected a UsageError, got ${String(err)}`);
  return err.problems;
}

describe('defaults', () => {
  it('match Dkron and dkron-core defaults', async () => {
    const { config, source, warnings } = await load();
    expect(source).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      server: false,
      nodeName: 'host-1',
      httpAddr: ':8080',
      rpcPort: 6868,
      advertiseRpcPort: 6868,
      dataDir: join(cwd, 'dkron.data'),
      ui: true,
      logLevel: 'info',
      raftMultiplier: 1,
      mailSubjectPrefix: '[Dkron]',
      retryIntervalMs: 30_000,
      serfReconnectTimeoutMs: 86_400_000,
      agentRunMaxRetries: 3,
      rqliteUrl: [],
      rqliteHttpPort: 4001,
      rqliteRaftPort: 4002,
      maxExecutionsPerJob: 100,
      shutdownTimeoutMs: 60_000,
      defaultTimezone: 'UTC',
      plugins: [],
      tags: {},
    });
  });
});

describe('precedence: flag > env > file > default', () => {
  it('takes each value from the highest source that sets it', async () => {
    const path = await file(cwd, 'dkron.yml', 'http-addr: ":1001"\nrpc-port: 1002\nregion: file-region\n');
    const { config, source } = await load({
      argv: ['--http-addr', ':3001'],
      env: { DKRON_HTTP_ADDR: ':2001', DKRON_RPC_PORT: '2002' },
    });
    expect(source).toBe(path);
    expect(config.httpAddr).toBe(':3001');
    expect(config.rpcPort).toBe(2002);
    expect(config.region).toBe('file-region');
    expect(config.datacenter).toBe('dc1');
  });

  it('treats an empty DKRON_* variable as unset, as viper does', async () => {
    await file(cwd, 'dkron.yml', 'region: from-file\n');
    const { config } = await load({ env: { DKRON_REGION: '' } });
    expect(config.region).toBe('from-file');
  });

  it('lets the last of a repeated scalar flag win, like pflag', async () => {
    const { config } = await load({ argv: ['--node-name', 'a', '--node-name=b'] });
    expect(config.nodeName).toBe('b');
  });

  it('accepts --flag=false for booleans and DKRON_* booleans', async () => {
    await file(cwd, 'dkron.yml', 'server: true\nui: true\n');
    const { config } = await load({ argv: ['--ui=false'], env: { DKRON_ENABLE_PROMETHEUS: '1' } });
    expect(config.server).toBe(true);
    expect(config.ui).toBe(false);
    expect(config.enablePrometheus).toBe(true);
  });
});

describe('config file search', () => {
  it('searches /etc/dkron, $HOME/.dkron, ./config then . and takes the first found', async () => {
    const inCwd = await file(cwd, 'dkron.yml', 'region: cwd\n');
    expect((await load()).source).toBe(inCwd);
    const inConfig = await file(join(cwd, 'config'), 'dkron.json', '{"region": "config"}');
    expect((await load()).source).toBe(inConfig);
    const inHome = await file(join(home, '.dkron'), 'dkron.yaml', 'region: home\n');
    expect((await load()).source).toBe(inHome);
    const inEtc = await file(etcDir, 'dkron.json', '{"region": "etc"}');
    const { source, config } = await load();
    expect(source).toBe(inEtc);
    expect(config.region).toBe('etc');
  });

  it('prefers dkron.yml, then dkron.yaml, then dkron.json within one directory', async () => {
    await file(cwd, 'dkron.json', '{}');
    await file(cwd, 'dkron.yaml', '');
    expect((await load()).source).toBe(join(cwd, 'dkron.yaml'));
    await file(cwd, 'dkron.yml', '');
    expect((await load()).source).toBe(join(cwd, 'dkron.yml'));
  });

  it('uses --config (relative to the working directory) instead of searching', async () => {
    await file(etcDir, 'dkron.yml', 'region: etc\n');
    const custom = await file(join(cwd, 'conf'), 'custom.yaml', 'region: custom\n');
    const { source, config } = await load({ argv: ['--config', 'conf/custom.yaml'] });
    expect(source).toBe(custom);
    expect(config.region).toBe('custom');
  });

  it('fails naming the file when --config does not exist', async () => {
    expect(await problems(load({ argv: ['--config', 'missing.yml'] }))).toEqual([
      `config file ${join(cwd, 'missing.yml')}: cannot read it: no such file`,
    ]);
  });
});

describe('file formats', () => {
  it('reads YAML with - or _ keys, lists and maps', async () => {
    await file(
      cwd,
      'dkron.yml',
      [
        'server: true',
        'bootstrap_expect: 3',
        'Node-Name: yaml-node',
        'join: [10.0.0.1, 10.0.0.2]',
        'retry-interval: 5s',
        'webhook-headers:',
        '  - "X-A: 1"',
        'tags:',
        '  tier: web',
        '  count: 2',
        'bootstrap: true',
        'devmode: true',
      ].join('\n'),
    );
    const { config, warnings } = await load();
    // Loaded, and named as having no effect here (bootstrap_expect: without --rqlite-url).
    expect(warnings.map((w) => w.replace(/^config file \S+: /, '').replace(/: has no effect.*/, ''))).toEqual(
      ['devmode', 'retry-interval'],
    );
    expect(config).toMatchObject({
      server: true,
      bootstrapExpect: 3,
      nodeName: 'yaml-node',
      join: ['10.0.0.1', '10.0.0.2'],
      retryIntervalMs: 5000,
      webhookHeaders: ['X-A: 1'],
      tags: { tier: 'web', count: '2' },
      bootstrap: true,
      devmode: true,
    });
  });

  it('reads JSON', async () => {
    await file(
      cwd,
      'dkron.json',
      JSON.stringify({ 'http-addr': '127.0.0.1:9000', raft_multiplier: 4, ui: false }),
    );
    const { config } = await load();
    expect(config).toMatchObject({ httpAddr: '127.0.0.1:9000', raftMultiplier: 4, ui: false });
  });

  it('reports a YAML syntax error with its line', async () => {
    const path = await file(cwd, 'dkron.yml', 'server: true\ntags: [a\n');
    const [problem] = await problems(load());
    expect(problem).toMatch(new RegExp(`^config file ${path}: invalid YAML at line \\d+, column \\d+: `));
  });

  it('refuses a file that is not a mapping', async () => {
    const path = await file(cwd, 'dkron.yml', '- a\n- b\n');
    expect(await problems(load())).toEqual([
      `config file ${path}: must contain a mapping of keys to values, like "server: true"`,
    ]);
  });

  it('warns about unknown and Pro keys instead of failing', async () => {
    const path = await file(cwd, 'dkron.yml', 'serverr: true\nfast: true\nreconcileinterval: 60s\n');
    const { warnings } = await load();
    expect(warnings).toEqual([
      `config file ${path}: unknown key serverr ignored (did you mean server?)`,
      `config file ${path}: fast is a Dkron Pro setting and is ignored`,
    ]);
  });

  it('warns that webhook-url is deprecated', async () => {
    const path = await file(cwd, 'dkron.yml', 'webhook-url: http://x\n');
    const { warnings, config } = await load();
    expect(config.webhookUrl).toBe('http://x');
    expect(warnings).toEqual([
      `config file ${path}: webhook-url: webhook-url is deprecated and has no effect (as in Dkron); use webhook-endpoint and webhook-payload`,
    ]);
  });
});

describe('tags (Dkron cmd/agent_test)', () => {
  it('parses repeated and comma-separated --tag k=v', async () => {
    const { config } = await load({ argv: ['--tag', 'tier=web', '--tag=zone=a,rack=1', '--tag', 'eq=a=b'] });
    expect(config.tags).toEqual({ tier: 'web', zone: 'a', rack: '1', eq: 'a=b' });
  });

  it('reads the file tags map, also as a list of one-key maps', async () => {
    await file(cwd, 'dkron.yml', 'tags:\n  - foo: bar\n  - baz: qux\n');
    expect((await load()).config.tags).toEqual({ foo: 'bar', baz: 'qux' });
  });

  it('replaces the file tags map with --tag', async () => {
    await file(cwd, 'dkron.yml', 'tags:\n  foo: bar\n');
    const { config } = await load({ argv: ['--tag', 'monthy=python'] });
    expect(config.tags).toEqual({ monthy: 'python' });
  });

  it('replaces the file tags map with DKRON_TAG', async () => {
    await file(cwd, 'dkron.yml', 'tags:\n  foo: bar\n');
    expect((await load({ env: { DKRON_TAG: 'a=1,b=2' } })).config.tags).toEqual({ a: '1', b: '2' });
  });

  it('refuses a tag without =', async () => {
    expect(await problems(load({ argv: ['--tag', 'role'] }))).toEqual([
      '--tag: must be key=value, got "role"',
    ]);
  });

  it('refuses the tags every node sets itself, from any source, saying why', async () => {
    expect(await problems(load({ argv: ['--tag', 'role=web,zone=a'] }))).toEqual([
      '--tag: tag "role" is reserved (every node has role=dkron, as in Dkron); use another name',
    ]);
    const path = await file(cwd, 'dkron.yml', 'tags:\n  dc: eu\n  tier: web\n');
    expect(await problems(load())).toEqual([
      `config file ${path}: tags: tag "dc" is reserved (it is the node's --datacenter); use another name`,
    ]);
    expect(
      await problems(load({ argv: ['--config', path], env: { DKRON_TAG: 'server=x,dkron_server=y' } })),
    ).toEqual([
      'DKRON_TAG: tag "server" is reserved (it is set by --server); use another name',
      'DKRON_TAG: tag "dkron_server" is reserved (it is set by --server); use another name',
      `config file ${path}: tags: tag "dc" is reserved (it is the node's --datacenter); use another name`,
    ]);
  });
});

describe('environment', () => {
  it('warns about DKRON_* variables no option reads, with the closest name', async () => {
    const { warnings, config } = await load({
      env: {
        DKRON_HTTP_ADR: ':9090',
        DKRON_SERVR: 'true',
        DKRON_NOTHING_LIKE_IT: 'x',
        DKRON_CERT_FILE: '/x.pem',
        DKRON_RECONCILE_INTERVAL: '60s',
        DKRON_LOG_LEVEL: 'debug',
        OTHER: 'x',
      },
    });
    expect(config.logLevel).toBe('debug');
    expect(config.httpAddr).toBe(':8080');
    expect(warnings).toEqual([
      'environment: DKRON_CERT_FILE is a Dkron Pro setting and is ignored',
      'environment: unknown variable DKRON_HTTP_ADR ignored (did you mean DKRON_HTTP_ADDR?)',
      'environment: unknown variable DKRON_NOTHING_LIKE_IT ignored',
      'environment: unknown variable DKRON_SERVR ignored (did you mean DKRON_SERVER?)',
    ]);
  });

  it('reads file-only keys from the environment', async () => {
    const { warnings, config } = await load({ env: { DKRON_TAGS: 'tier=web' } });
    expect(config.tags).toEqual({ tier: 'web' });
    expect(warnings).toEqual([]);
  });
});

describe('cluster options on a single server', () => {
  it('takes --join and --retry-join on a server (it joins the other servers), warns about the rest', async () => {
    const path = await file(cwd, 'dkron.yml', 'retry-join: [a:8946]\nretry-max: 3\n');
    const { warnings, config } = await load({
      argv: ['--server', '--join', 'b:8946', '--bootstrap-expect', '3'],
      env: { DKRON_ENCRYPT: 'kPpdjphiipNSsjd4QHWbkA==' },
    });
    expect(config.join).toEqual(['b:8946']);
    expect(config.retryJoin).toEqual(['a:8946']);
    expect(warnings).toEqual([
      `config file ${path}: retry-max: has no effect on a server: a joining server asks its --join servers every second until enough answer (plain agents only)`,
    ]);
  });

  it('warns that --join has no effect with --rqlite-url', async () => {
    const { warnings } = await load({
      argv: ['--server', '--join', 'b:6868', '--rqlite-url', 'http://127.0.0.1:4001'],
    });
    expect(warnings).toEqual([
      '--join: has no effect with --rqlite-url: servers sharing an rqlite cluster meet through it',
    ]);
  });

  it('warns that --bootstrap-expect alone (no --join, no --rqlite-url) has no effect', async () => {
    const { warnings } = await load({ argv: ['--server', '--bootstrap-expect', '3'] });
    expect(warnings).toEqual([
      'bootstrap-expect has no effect without --join or --rqlite-url: a server on its own embedded rqlited is alone (give it the other servers with --join)',
    ]);
  });

  it('takes --bootstrap-expect with --rqlite-url without a warning: the servers elect the lease', async () => {
    const { warnings } = await load({
      argv: ['--server', '--bootstrap-expect', '3', '--rqlite-url', 'http://127.0.0.1:4001'],
    });
    expect(warnings).toEqual([]);
  });

  it('does not warn a plain agent about the join options it uses', async () => {
    await file(cwd, 'dkron.yml', 'retry-join: [a:6868]\nretry-max: 3\n');
    const { warnings, config } = await load({ argv: ['--join', 'b:6868', '--retry-interval', '1s'] });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      join: ['b:6868'],
      retryJoin: ['a:6868'],
      retryMax: 3,
      retryIntervalMs: 1000,
    });
  });

  it('warns about options dkron-core reads but has nothing to do with', async () => {
    const path = await file(cwd, 'dkron.yml', 'devmode: true\n');
    const { warnings } = await load({ argv: ['--otel-endpoint', 'http://otel:4318'] });
    expect(warnings).toEqual([
      `config file ${path}: devmode: has no effect: dkron-core has no development mode; a single server on loopback needs none`,
      '--otel-endpoint: has no effect: dkron-core does not export traces yet',
    ]);
  });

  it('does not warn about bootstrapping alone, which is what a single server does', async () => {
    const { warnings } = await load({ argv: ['--server', '--bootstrap-expect', '1'] });
    expect(warnings).toEqual([]);
    await file(cwd, 'dkron.yml', 'bootstrap: true\n');
    expect((await load({ argv: ['--server'] })).warnings).toEqual([]);
  });
});

describe('validation', () => {
  it('names the config file and key', async () => {
    const path = await file(cwd, 'dkron.yml', 'raft-multiplier: 12\n');
    expect(await problems(load())).toEqual([
      `config file ${path}: raft-multiplier: must be between 1 and 10, got 12`,
    ]);
  });

  it('names the flag', async () => {
    expect(await problems(load({ argv: ['--http-addr', 'foo'] }))).toEqual([
      '--http-addr: invalid address "foo" (expected host:port or :port)',
    ]);
  });

  it('names the environment variable', async () => {
    expect(await problems(load({ env: { DKRON_RPC_PORT: 'abc' } }))).toEqual([
      'DKRON_RPC_PORT: must be a whole number, got "abc"',
    ]);
  });

  it('reports every problem at once', async () => {
    const found = await problems(
      load({
        argv: ['--log-level', 'loud', '--retry-interval', '30', '--default-timezone', 'Mars/Base'],
        env: { DKRON_SERVER: 'maybe' },
      }),
    );
    expect(found).toEqual([
      'DKRON_SERVER: must be true or false, got "maybe"',
      '--log-level: must be one of debug, info, warn, error, got "loud"',
      '--retry-interval: must be a duration such as 30s, 5m or 1h30m, got "30"',
      '--default-timezone: unknown time zone "Mars/Base" (expected a name such as UTC or Europe/Paris)',
    ]);
  });

  it('maps Dkron log levels fatal and panic to error', async () => {
    expect((await load({ argv: ['--log-level', 'fatal'] })).config.logLevel).toBe('error');
    expect((await load({ argv: ['--log-level=PANIC'] })).config.logLevel).toBe('error');
  });

  it('checks the encrypt key length', async () => {
    expect(await problems(load({ argv: ['--encrypt', 'c2hvcnQ='] }))).toEqual([
      '--encrypt: must be a base64 key of 16, 24 or 32 bytes (make one with dkron-core keygen)',
    ]);
    const key = Buffer.alloc(16, 7).toString('base64');
    expect((await load({ argv: ['--encrypt', key] })).config.encrypt).toBe(key);
  });

  it('normalizes --rqlite-url entries to URLs', async () => {
    const { config } = await load({ argv: ['--rqlite-url', '10.0.0.1:4001,https://db.example:4001/'] });
    expect(config.rqliteUrl).toEqual(['http://10.0.0.1:4001', 'https://db.example:4001']);
    expect(await problems(load({ argv: ['--rqlite-url', 'ftp://x'] }))).toEqual([
      '--rqlite-url: invalid URL "ftp://x" (expected http://host:port)',
    ]);
  });

  it('refuses equal embedded rqlite ports', async () => {
    expect(await problems(load({ argv: ['--rqlite-http-port', '4002'] }))).toEqual([
      'rqlite-http-port and rqlite-raft-port must differ, both are 4002',
    ]);
  });

  it('parses Go durations', async () => {
    const { config } = await load({ argv: ['--shutdown-timeout', '1m30s', '--serf-reconnect-timeout=0'] });
    expect(config.shutdownTimeoutMs).toBe(90_000);
    expect(config.serfReconnectTimeoutMs).toBe(0);
  });

  it('validates plugin entries', async () => {
    const path = await file(cwd, 'dkron.yml', 'plugins:\n  - ./a.js\n  - name: "@acme/p"\n    opts: {}\n');
    expect(await problems(load())).toEqual([
      `config file ${path}: plugins: entry 2: unknown key "opts" (expected name, factory, options)`,
    ]);
  });

  it('keeps plugin entries with their options', async () => {
    await file(
      cwd,
      'dkron.yml',
      'plugins:\n  - ./a.js\n  - name: "@acme/p"\n    factory: p\n    options: {x: 1}\n',
    );
    expect((await load()).config.plugins).toEqual([
      './a.js',
      { name: '@acme/p', factory: 'p', options: { x: 1 } },
    ]);
  });

  it("reads DKRON_PLUGINS (was silently ignored) and --plugin, beside the file's plugins", async () => {
    await file(cwd, 'dkron.yml', 'plugins:\n  - ./a.js\n');
    const fromEnv = await load({ env: { DKRON_PLUGINS: '@acme/nats, ./b.js' } });
    expect(fromEnv.config.plugins).toEqual(['./a.js']);
    expect(fromEnv.config.pluginArgs).toEqual(['@acme/nats', './b.js']);
    const fromFlags = await load({ argv: ['--plugin', './c.js', '--plugin=@acme/kafka'] });
    expect(fromFlags.config.pluginArgs).toEqual(['./c.js', '@acme/kafka']);
    // As every option: flags win over the environment.
    const both = await load({ argv: ['--plugin', './c.js'], env: { DKRON_PLUGINS: './b.js' } });
    expect(both.config.pluginArgs).toEqual(['./c.js']);
  });

  it('does not read the plugin option from the config file, pointing to plugins', async () => {
    const path = await file(cwd, 'dkron.yml', 'plugin: ./a.js\n');
    const { config, warnings } = await load();
    expect(config.pluginArgs).toEqual([]);
    expect(warnings).toEqual([`config file ${path}: unknown key plugin ignored (did you mean plugins?)`]);
  });
});

describe('command line', () => {
  it('refuses an unknown flag, pointing to help', async () => {
    expect(await problems(load({ argv: ['--fooo'] }))).toEqual([
      'unknown flag --fooo (see dkron-core agent --help)',
    ]);
  });

  it('suggests the closest flag for a typo', async () => {
    expect(await problems(load({ argv: ['--http-adr', ':1'] }))).toEqual([
      'unknown flag --http-adr, did you mean --http-addr? (see dkron-core agent --help)',
    ]);
  });

  it('refuses file-only keys as flags', async () => {
    expect(await problems(load({ argv: ['--devmode'] }))).toEqual([
      'unknown flag --devmode (see dkron-core agent --help)',
    ]);
  });

  it('refuses a value flag without a value', async () => {
    expect(await problems(load({ argv: ['--node-name', '--server'] }))).toEqual([
      '--node-name needs a value (see dkron-core agent --help)',
    ]);
  });

  it('refuses positional arguments', async () => {
    expect(await problems(load({ argv: ['server'] }))).toEqual([
      'unexpected argument "server" (see dkron-core agent --help)',
    ]);
  });
});

describe('cors-allowed-origins', () => {
  it('is empty by default and reads a list of origins, normalized', async () => {
    expect((await load()).config.corsAllowedOrigins).toEqual([]);
    const { config } = await load({
      argv: [
        '--cors-allowed-origins',
        'https://UI.example:443,http://localhost:3000',
        '--cors-allowed-origins=*',
      ],
    });
    expect(config.corsAllowedOrigins).toEqual(['https://ui.example', 'http://localhost:3000', '*']);
  });

  it('refuses a URL with a path, credentials or another scheme', async () => {
    for (const bad of ['https://ui.example/app', 'ftp://x', 'https://u:p@x', 'ui.example']) {
      expect(await problems(load({ argv: ['--cors-allowed-origins', bad] }))).toEqual([
        `--cors-allowed-origins: invalid origin ${JSON.stringify(bad)} (expected * or scheme://host[:port], e.g. https://ui.example)`,
      ]);
    }
  });
});

describe('access control', () => {
  it('reads Dkron Pro`s acl: {enabled: true} mapping, and --acl-enabled', async () => {
    expect((await load()).config.aclEnabled).toBe(false);
    await file(cwd, 'dkron.yml', 'acl:\n  enabled: true\n');
    expect((await load()).config.aclEnabled).toBe(true);
    expect((await load({ argv: ['--acl-enabled=false'] })).config.aclEnabled).toBe(false);
    expect((await load({ env: { DKRON_ACL_ENABLED: 'false' } })).config.aclEnabled).toBe(false);
  });

  it('warns about unknown keys of the acl mapping and names a bad value', async () => {
    const path = await file(cwd, 'dkron.yml', 'acl:\n  enabled: yes\n  default_policy: deny\n');
    const { config, warnings } = await load();
    expect(config.aclEnabled).toBe(true);
    expect(warnings).toEqual([`config file ${path}: acl.default_policy: unknown key ignored (only enabled)`]);
    await file(cwd, 'dkron.yml', 'acl:\n  enabled: maybe\n');
    expect(await problems(load())).toEqual([
      `config file ${path}: acl.enabled: must be true or false, got "maybe"`,
    ]);
  });

  it('keeps the audit log 90 days unless --audit-retention says otherwise', async () => {
    expect((await load()).config.auditRetentionMs).toBe(90 * 86_400_000);
    expect((await load({ argv: ['--audit-retention', '720h'] })).config.auditRetentionMs).toBe(
      30 * 86_400_000,
    );
    expect((await load({ argv: ['--audit-retention', '0'] })).config.auditRetentionMs).toBe(0);
  });

  it('takes --https-cert and --https-key together, relative to the working directory', async () => {
    const { config } = await load({ argv: ['--https-cert', 'tls/cert.pem', '--https-key', '/etc/key.pem'] });
    expect([config.httpsCert, config.httpsKey]).toEqual([join(cwd, 'tls/cert.pem'), '/etc/key.pem']);
    expect(await problems(load({ argv: ['--https-cert', 'c.pem'] }))).toEqual([
      'https-cert and https-key go together: give both for TLS, or neither',
    ]);
  });
});
