/**
 * The typed configuration of `dkron-core agent`: every Dkron agent flag and config key (Dkron
 * reference §9.2) plus dkron-core's own keys. Durations are milliseconds (fields end in `Ms`).
 */

/** Log levels dkron-core writes. Dkron's `fatal` and `panic` are read as `error`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Memberlist timing profile (kept for Dkron compatibility; it tunes cluster timeouts). */
export type Profile = 'lan' | 'wan' | 'local';

/**
 * One entry of the config file's `plugins:` list: an npm package name or a path (relative to the
 * config file's directory), or an object naming the module, the factory to call and its options.
 */
export type PluginEntry =
  | string
  | {
      /** npm package name or path of the module. */
      readonly name: string;
      /** Named export to call; when absent, the module's only exported function. */
      readonly factory?: string;
      /** Passed to the factory as its single argument. */
      readonly options?: Readonly<Record<string, unknown>>;
    };

/** The agent's configuration, after merging flags, `DKRON_*` variables, the config file and defaults. */
export interface AgentConfig {
  /** Take part in leader election, store state and serve the API. */
  readonly server: boolean;
  /** Unique node name (default: the host name). */
  readonly nodeName: string;
  /** Address the cluster listener binds (`host:port`). */
  readonly bindAddr: string;
  /** Address advertised to other nodes; empty means the bind address. */
  readonly advertiseAddr: string;
  /** API and UI listen address (`host:port` or `:port`). */
  readonly httpAddr: string;
  /** Cluster timing profile. */
  readonly profile: Profile;
  /** Addresses to join once at start. */
  readonly join: readonly string[];
  /** Addresses to join, retried until success. */
  readonly retryJoin: readonly string[];
  /** Maximum retry-join attempts; 0 means forever. */
  readonly retryMax: number;
  /** Wait between retry-join attempts. */
  readonly retryIntervalMs: number;
  /** Scales Raft timeouts, 1..10. */
  readonly raftMultiplier: number;
  /** Node tags. `--tag k=v` (flag, env or file `tag:` list) replaces the file's `tags:` map, as in Dkron. */
  readonly tags: Readonly<Record<string, string>>;
  /** Base64 gossip encryption key of 16, 24 or 32 bytes; empty for none. */
  readonly encrypt: string;
  /** PEM certificate (chain) of this node for node-to-node mTLS (absolute); empty for none. */
  readonly tlsCert: string;
  /** PEM private key file of `tlsCert` (absolute). */
  readonly tlsKey: string;
  /** PEM CA bundle the other nodes' certificates must chain to (absolute). */
  readonly tlsCa: string;
  /** Lowest level logged. */
  readonly logLevel: LogLevel;
  /** gRPC port for node-to-node traffic. */
  readonly rpcPort: number;
  /** RPC port advertised to other nodes (default: `rpcPort`). */
  readonly advertiseRpcPort: number;
  /** Servers to wait for before bootstrapping the cluster; 0 for none. */
  readonly bootstrapExpect: number;
  /** Directory of this node's state, absolute. */
  readonly dataDir: string;
  /** Datacenter of the node (node tag `dc`). */
  readonly datacenter: string;
  /** Region of the node (node tag `region`). */
  readonly region: string;
  /** How long failed nodes are kept before they are reaped. */
  readonly serfReconnectTimeoutMs: number;
  /** Serve the web UI at `/ui` (server nodes). */
  readonly ui: boolean;
  /** Browser origins that get CORS headers (`*` for any); empty: none. */
  readonly corsAllowedOrigins: readonly string[];
  /** PEM certificate file of the HTTP API; with `httpsKey`, TLS. Empty: plain HTTP. */
  readonly httpsCert: string;
  /** PEM private key file of `httpsCert`. */
  readonly httpsKey: string;
  /** Require ACL tokens (Dkron Pro's `acl: enabled: true`). */
  readonly aclEnabled: boolean;
  /** How long audit log entries are kept; 0 forever. */
  readonly auditRetentionMs: number;
  /** Directory of another UI build to serve (absolute); empty means the built-in UI. */
  readonly uiDir: string;
  /** Path prefix a reverse proxy publishes the server under (`/dkron`); empty for none. */
  readonly uiBasePath: string;
  readonly mailHost: string;
  /** SMTP port; 0 when unset. */
  readonly mailPort: number;
  readonly mailUsername: string;
  readonly mailPassword: string;
  readonly mailFrom: string;
  /** Template of the notification mail body. */
  readonly mailPayload: string;
  /** Prefix of notification mail subjects (no space is added after it, as in Dkron). */
  readonly mailSubjectPrefix: string;
  readonly preWebhookEndpoint: string;
  readonly preWebhookPayload: string;
  /** `Name: value` headers of the pre-execution webhook. */
  readonly preWebhookHeaders: readonly string[];
  readonly webhookEndpoint: string;
  readonly webhookPayload: string;
  /** `Name: value` headers of the post-execution webhook. */
  readonly webhookHeaders: readonly string[];
  /** Deprecated in Dkron and without effect; kept so old config files load (a warning is logged). */
  readonly webhookUrl: string;
  readonly cronitorEndpoint: string;
  readonly dogStatsdAddr: string;
  /** `key:value` tags of DogStatsD metrics. */
  readonly dogStatsdTags: readonly string[];
  readonly statsdAddr: string;
  /** Serve Prometheus metrics at `/metrics`. */
  readonly enablePrometheus: boolean;
  /** OTLP endpoint for traces; empty for none. */
  readonly otelEndpoint: string;
  readonly disableUsageStats: boolean;
  /** Retries of a dispatch to an agent. */
  readonly agentRunMaxRetries: number;
  readonly agentRunRetryInitialIntervalMs: number;
  readonly agentRunRetryMaxIntervalMs: number;
  /** Bootstrap a single-server cluster without waiting (config-file key). */
  readonly bootstrap: boolean;
  /** Development mode (config-file key): in-memory state, loopback allowed. */
  readonly devmode: boolean;
  /** URLs of an external rqlite cluster; empty means the embedded rqlited. */
  readonly rqliteUrl: readonly string[];
  /** HTTP port of the embedded rqlited. */
  readonly rqliteHttpPort: number;
  /** Raft port of the embedded rqlited. */
  readonly rqliteRaftPort: number;
  /** Executions kept per job (Dkron keeps 100). */
  readonly maxExecutionsPerJob: number;
  /** How long a SIGTERM waits for running executions before they are cancelled. */
  readonly shutdownTimeoutMs: number;
  /** Plugins to load after the built-in ones (config-file key; paths relative to the config file). */
  readonly plugins: readonly PluginEntry[];
  /**
   * Plugins to load after the config file's (`--plugin`, `DKRON_PLUGINS`): package names or paths
   * relative to the working directory.
   */
  readonly pluginArgs: readonly string[];
  /** Time zone of schedules of jobs without `timezone`. */
  readonly defaultTimezone: string;
}

/** The defaults, for a host called `hostname`. `dataDir` is relative here; loading makes it absolute. */
export function defaultAgentConfig(hostname: string): AgentConfig {
  return {
    server: false,
    nodeName: hostname,
    bindAddr: '0.0.0.0:8946',
    advertiseAddr: '',
    httpAddr: ':8080',
    profile: 'lan',
    join: [],
    retryJoin: [],
    retryMax: 0,
    retryIntervalMs: 30_000,
    raftMultiplier: 1,
    tags: {},
    encrypt: '',
    tlsCert: '',
    tlsKey: '',
    tlsCa: '',
    logLevel: 'info',
    rpcPort: 6868,
    advertiseRpcPort: 0,
    bootstrapExpect: 0,
    dataDir: 'dkron.data',
    datacenter: 'dc1',
    region: 'global',
    serfReconnectTimeoutMs: 24 * 3_600_000,
    ui: true,
    corsAllowedOrigins: [],
    httpsCert: '',
    httpsKey: '',
    aclEnabled: false,
    auditRetentionMs: 90 * 24 * 3_600_000,
    uiDir: '',
    uiBasePath: '',
    mailHost: '',
    mailPort: 0,
    mailUsername: '',
    mailPassword: '',
    mailFrom: '',
    mailPayload: '',
    mailSubjectPrefix: '[Dkron]',
    preWebhookEndpoint: '',
    preWebhookPayload: '',
    preWebhookHeaders: [],
    webhookEndpoint: '',
    webhookPayload: '',
    webhookHeaders: [],
    webhookUrl: '',
    cronitorEndpoint: '',
    dogStatsdAddr: '',
    dogStatsdTags: [],
    statsdAddr: '',
    enablePrometheus: false,
    otelEndpoint: '',
    disableUsageStats: false,
    agentRunMaxRetries: 3,
    agentRunRetryInitialIntervalMs: 1000,
    agentRunRetryMaxIntervalMs: 30_000,
    bootstrap: false,
    devmode: false,
    rqliteUrl: [],
    rqliteHttpPort: 4001,
    rqliteRaftPort: 4002,
    maxExecutionsPerJob: 100,
    shutdownTimeoutMs: 60_000,
    plugins: [],
    pluginArgs: [],
    defaultTimezone: 'UTC',
  };
}
