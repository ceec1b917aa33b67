/**
 * The one table of agent options. The flag parser, the `DKRON_*` environment reader, the config
 * file reader, `agent --help` and `dkron-core doc` are all driven by it, so they cannot disagree.
 */

import type { AgentConfig } from './agent-config.js';
import {
  checkAdvertiseAddr,
  checkBasePath,
  checkDialAddr,
  checkEncryptKey,
  checkListenAddr,
  checkNodeName,
  checkNotEmpty,
  checkTimezone,
  normalizeOrigin,
  normalizeRqliteUrl,
} from './checks.js';
import type { Converted } from './values.js';

type KeysOf<T> = { [K in keyof AgentConfig]: AgentConfig[K] extends T ? K : never }[keyof AgentConfig];

/** A check of a string value; returns a problem sentence or `undefined`. */
export type StringCheck = (value: string) => string | undefined;

interface OptionBase {
  /** Flag and config key, kebab-case (`http-addr`). */
  readonly name: string;
  /** One line for help and docs. */
  readonly description: string;
  /** Section of `agent --help`. */
  readonly group: OptionGroup;
  /** Set only in the config file (and the environment); there is no flag. */
  readonly fileOnly?: boolean;
  /** Name of the value in help (`--http-addr <addr>`). */
  readonly placeholder?: string;
  /** Shown instead of the default value in help, for computed defaults. */
  readonly defaultText?: string;
  /** A warning logged whenever the option is set. */
  readonly deprecated?: string;
  /** The value may hold a credential: never shown (`/debug/vars` redacts it from the command line). */
  readonly secret?: true;
  /** Its environment variable, when not `DKRON_` + the upper-cased name. */
  readonly env?: string;
  /** Not read from the config file (the file has its own key for it). */
  readonly noFile?: boolean;
  /** Why setting the option (to another value than its default) does nothing; logged as a warning. */
  readonly noEffect?: string;
}

/** Sections of `agent --help`, in display order. */
export const OPTION_GROUPS = [
  'Node',
  'Cluster',
  'Storage',
  'HTTP API and UI',
  'Access control',
  'Notifications',
  'Metrics and tracing',
  'Execution',
  'Plugins',
] as const;

/** A section of `agent --help`. */
export type OptionGroup = (typeof OPTION_GROUPS)[number];

/** One agent option: how to read it and which {@link AgentConfig} field it sets. */
export type OptionSpec = OptionBase &
  (
    | { readonly kind: 'bool'; readonly key: KeysOf<boolean> }
    | { readonly kind: 'string'; readonly key: KeysOf<string>; readonly check?: StringCheck }
    | {
        readonly kind: 'choice';
        readonly key: 'logLevel' | 'profile';
        readonly choices: readonly string[];
        readonly aliases?: Readonly<Record<string, string>>;
      }
    | { readonly kind: 'int'; readonly key: KeysOf<number>; readonly min: number; readonly max?: number }
    | { readonly kind: 'duration'; readonly key: KeysOf<number> }
    | {
        readonly kind: 'list';
        readonly key: KeysOf<readonly string[]>;
        /** Checks and rewrites one item. */
        readonly item?: (value: string) => Converted<string>;
      }
    | { readonly kind: 'tag-list' | 'tag-map'; readonly key: 'tags' }
    | { readonly kind: 'plugins'; readonly key: 'plugins' }
  );

/** Kinds of {@link OptionSpec}. */
export type OptionKind = OptionSpec['kind'];

const PORT = { min: 1, max: 65535 } as const;

/** Every agent option, in help order within each group. */
// biome-ignore format: one option per line keeps the table readable
export const AGENT_OPTIONS: readonly OptionSpec[] = [
  // Node
  { name: 'server', key: 'server', kind: 'bool', group: 'Node', description: 'run as a server: store state, take part in leader election and serve the API' },
  { name: 'node-name', key: 'nodeName', kind: 'string', group: 'Node', placeholder: 'name', defaultText: 'host name', check: checkNodeName, description: 'unique name of this node' },
  { name: 'tag', key: 'tags', kind: 'tag-list', group: 'Node', placeholder: 'key=value', description: 'node tag used to target jobs; repeat or separate with commas. Replaces the config file\'s tags map' },
  { name: 'tags', key: 'tags', kind: 'tag-map', group: 'Node', fileOnly: true, description: 'node tags as a mapping of names to values' },
  { name: 'datacenter', key: 'datacenter', kind: 'string', group: 'Node', placeholder: 'name', check: checkNotEmpty, description: 'datacenter of this node, also its dc tag' },
  { name: 'region', key: 'region', kind: 'string', group: 'Node', placeholder: 'name', check: checkNotEmpty, description: 'region of this node, also its region tag; jobs are scheduled within a region' },
  { name: 'data-dir', key: 'dataDir', kind: 'string', group: 'Node', placeholder: 'dir', check: checkNotEmpty, description: 'directory of this node\'s state, relative to the working directory' },
  { name: 'log-level', key: 'logLevel', kind: 'choice', group: 'Node', placeholder: 'level', choices: ['debug', 'info', 'warn', 'error'], aliases: { warning: 'warn', fatal: 'error', panic: 'error', trace: 'debug' }, description: 'lowest level logged: debug, info, warn or error; Dkron\'s fatal and panic mean error' },
  { name: 'devmode', key: 'devmode', kind: 'bool', group: 'Node', fileOnly: true, noEffect: 'dkron-core has no development mode; a single server on loopback needs none', description: 'Dkron\'s development mode' },
  // Cluster
  { name: 'bind-addr', key: 'bindAddr', kind: 'string', group: 'Cluster', placeholder: 'addr', check: checkListenAddr, description: 'address whose host the gRPC listener of a server binds (on --rpc-port); without --encrypt or --tls-cert a wildcard host (the default 0.0.0.0) binds loopback only' },
  { name: 'advertise-addr', key: 'advertiseAddr', kind: 'string', group: 'Cluster', placeholder: 'addr', defaultText: 'bind-addr', check: checkAdvertiseAddr, description: 'address advertised to other nodes' },
  { name: 'rpc-port', key: 'rpcPort', kind: 'int', ...PORT, group: 'Cluster', placeholder: 'port', description: 'gRPC port of a server, where plain agents connect' },
  { name: 'advertise-rpc-port', key: 'advertiseRpcPort', kind: 'int', ...PORT, group: 'Cluster', placeholder: 'port', defaultText: 'rpc-port', description: 'RPC port advertised to other nodes' },
  { name: 'join', key: 'join', kind: 'list', group: 'Cluster', placeholder: 'addr', description: 'host:port (the rpc port) of a server to join; repeat or separate with commas. A plain agent makes one attempt over the list; a server (embedded rqlited, with --encrypt) asks them every second until enough servers answer, then its rqlited joins theirs (docs/clustering.md)' },
  { name: 'retry-join', key: 'retryJoin', kind: 'list', group: 'Cluster', placeholder: 'addr', description: 'host:port of a server a plain agent joins, retried every retry-interval until it succeeds; repeat or separate with commas. A server treats it as --join' },
  { name: 'retry-max', key: 'retryMax', kind: 'int', min: 0, group: 'Cluster', placeholder: 'n', description: 'maximum retry-join attempts, 0 for no limit. Plain agents only' },
  { name: 'retry-interval', key: 'retryIntervalMs', kind: 'duration', group: 'Cluster', placeholder: 'duration', description: 'wait between retry-join attempts. Plain agents only' },
  { name: 'bootstrap-expect', key: 'bootstrapExpect', kind: 'int', min: 0, group: 'Cluster', placeholder: 'n', description: 'number of servers to wait for before the embedded rqlited nodes form one Raft group (with --join) and before electing a leader; the API answers 503 until then (with --join or --rqlite-url; otherwise no effect)' },
  { name: 'bootstrap', key: 'bootstrap', kind: 'bool', group: 'Cluster', fileOnly: true, description: 'bootstrap a single-server cluster without waiting for others' },
  { name: 'raft-multiplier', key: 'raftMultiplier', kind: 'int', min: 1, max: 10, group: 'Cluster', placeholder: 'n', description: 'scales consensus timeouts, from 1 (fast) to 10 (slow networks)' },
  { name: 'profile', key: 'profile', kind: 'choice', group: 'Cluster', placeholder: 'name', choices: ['lan', 'wan', 'local'], description: 'cluster timing profile: lan, wan or local' },
  { name: 'encrypt', secret: true, key: 'encrypt', kind: 'string', group: 'Cluster', placeholder: 'key', check: checkEncryptKey, description: 'base64 key authenticating every node-to-node call (HMAC-SHA256; the traffic itself is not encrypted); make one with dkron-core keygen and give it to every node' },
  { name: 'tls-cert', key: 'tlsCert', kind: 'string', group: 'Cluster', placeholder: 'file', description: 'PEM certificate (chain) of this node for node-to-node mTLS (gRPC between agents and servers, and the embedded rqlited\'s Raft); with --tls-key and --tls-ca every node must present a certificate of that CA. Not the API\'s (--https-cert)' },
  { name: 'tls-key', key: 'tlsKey', kind: 'string', group: 'Cluster', placeholder: 'file', description: 'PEM private key of --tls-cert' },
  { name: 'tls-ca', key: 'tlsCa', kind: 'string', group: 'Cluster', placeholder: 'file', description: 'PEM CA certificate(s) the other nodes\' --tls-cert must chain to; a node without one cannot join or receive work' },
  { name: 'serf-reconnect-timeout', key: 'serfReconnectTimeoutMs', kind: 'duration', group: 'Cluster', placeholder: 'duration', description: 'how long failed or left agents stay in /v1/members before they are removed' },
  // Storage
  { name: 'rqlite-url', secret: true, key: 'rqliteUrl', kind: 'list', item: normalizeRqliteUrl, group: 'Storage', placeholder: 'urls', description: 'comma-separated node URLs of an external rqlite cluster to use instead of the embedded rqlited; servers given the same cluster elect one leader through it (docs/operations.md)' },
  { name: 'rqlite-http-port', key: 'rqliteHttpPort', kind: 'int', ...PORT, group: 'Storage', placeholder: 'port', description: 'HTTP port of the embedded rqlited' },
  { name: 'rqlite-raft-port', key: 'rqliteRaftPort', kind: 'int', ...PORT, group: 'Storage', placeholder: 'port', description: 'Raft port of the embedded rqlited' },
  { name: 'max-executions-per-job', key: 'maxExecutionsPerJob', kind: 'int', min: 1, group: 'Storage', placeholder: 'n', description: 'executions kept per job, oldest deleted first' },
  // HTTP API and UI
  { name: 'http-addr', key: 'httpAddr', kind: 'string', group: 'HTTP API and UI', placeholder: 'addr', check: checkListenAddr, description: 'address of the HTTP API and web UI' },
  { name: 'ui', key: 'ui', kind: 'bool', group: 'HTTP API and UI', description: 'serve the web UI at /ui' },
  { name: 'ui-dir', key: 'uiDir', kind: 'string', group: 'HTTP API and UI', placeholder: 'dir', defaultText: 'the built-in UI', description: 'serve another build of the UI from this directory (e.g. Dkron\'s ui-dist), relative to the working directory' },
  { name: 'ui-base-path', key: 'uiBasePath', kind: 'string', group: 'HTTP API and UI', placeholder: 'path', check: checkBasePath, description: 'path prefix a reverse proxy publishes this server under (e.g. /dkron); X-Forwarded-Prefix wins' },
  { name: 'https-cert', key: 'httpsCert', kind: 'string', group: 'HTTP API and UI', placeholder: 'file', description: 'PEM certificate (chain) of the HTTP API; with --https-key the API is served over TLS only' },
  { name: 'https-key', key: 'httpsKey', kind: 'string', group: 'HTTP API and UI', placeholder: 'file', description: 'PEM private key of --https-cert' },
  { name: 'cors-allowed-origins', key: 'corsAllowedOrigins', kind: 'list', item: normalizeOrigin, group: 'HTTP API and UI', placeholder: 'origins', description: 'browser origins (https://ui.example, or * for any) that get CORS headers and may change state; default none, the UI is same-origin' },
  // Access control
  { name: 'acl-enabled', key: 'aclEnabled', kind: 'bool', group: 'Access control', description: 'require ACL tokens (Dkron Pro\'s model; config file: acl: {enabled: true}); create the first with dkron-core acl bootstrap' },
  { name: 'audit-retention', key: 'auditRetentionMs', kind: 'duration', defaultText: '2160h (90 days)', group: 'Access control', placeholder: 'duration', description: 'how long audit log entries are kept; 0 keeps them forever' },
  // Notifications
  { name: 'mail-host', key: 'mailHost', kind: 'string', group: 'Notifications', placeholder: 'host', description: 'SMTP host for execution reports' },
  { name: 'mail-port', key: 'mailPort', kind: 'int', min: 0, max: 65535, group: 'Notifications', placeholder: 'port', description: 'SMTP port' },
  { name: 'mail-username', key: 'mailUsername', kind: 'string', group: 'Notifications', placeholder: 'user', description: 'SMTP user name' },
  { name: 'mail-password', secret: true, key: 'mailPassword', kind: 'string', group: 'Notifications', placeholder: 'password', description: 'SMTP password' },
  { name: 'mail-from', key: 'mailFrom', kind: 'string', group: 'Notifications', placeholder: 'address', description: 'sender of report mails' },
  { name: 'mail-payload', key: 'mailPayload', kind: 'string', group: 'Notifications', placeholder: 'template', description: 'template of the report mail body' },
  { name: 'mail-subject-prefix', key: 'mailSubjectPrefix', kind: 'string', group: 'Notifications', placeholder: 'text', description: 'prefix of report mail subjects' },
  { name: 'pre-webhook-endpoint', secret: true, key: 'preWebhookEndpoint', kind: 'string', group: 'Notifications', placeholder: 'url', description: 'URL called when an execution starts' },
  { name: 'pre-webhook-payload', key: 'preWebhookPayload', kind: 'string', group: 'Notifications', placeholder: 'template', description: 'body template of the pre-execution webhook' },
  { name: 'pre-webhook-headers', secret: true, key: 'preWebhookHeaders', kind: 'list', group: 'Notifications', placeholder: 'header', description: '"Name: value" header of the pre-execution webhook; repeat for more' },
  { name: 'webhook-endpoint', secret: true, key: 'webhookEndpoint', kind: 'string', group: 'Notifications', placeholder: 'url', description: 'URL called when an execution finishes' },
  { name: 'webhook-payload', key: 'webhookPayload', kind: 'string', group: 'Notifications', placeholder: 'template', description: 'body template of the post-execution webhook' },
  { name: 'webhook-headers', secret: true, key: 'webhookHeaders', kind: 'list', group: 'Notifications', placeholder: 'header', description: '"Name: value" header of the post-execution webhook; repeat for more' },
  { name: 'webhook-url', secret: true, key: 'webhookUrl', kind: 'string', group: 'Notifications', placeholder: 'url', deprecated: 'webhook-url is deprecated and has no effect (as in Dkron); use webhook-endpoint and webhook-payload', description: 'deprecated, no effect; use webhook-endpoint' },
  { name: 'cronitor-endpoint', secret: true, key: 'cronitorEndpoint', kind: 'string', group: 'Notifications', placeholder: 'url', description: 'Cronitor telemetry base URL' },
  // Metrics and tracing
  { name: 'enable-prometheus', key: 'enablePrometheus', kind: 'bool', group: 'Metrics and tracing', description: 'serve Prometheus metrics at /metrics' },
  { name: 'statsd-addr', key: 'statsdAddr', kind: 'string', group: 'Metrics and tracing', placeholder: 'addr', check: checkDialAddr, description: 'StatsD address, host:port' },
  { name: 'dog-statsd-addr', key: 'dogStatsdAddr', kind: 'string', group: 'Metrics and tracing', placeholder: 'addr', check: checkDialAddr, description: 'DogStatsD address, host:port' },
  { name: 'dog-statsd-tags', key: 'dogStatsdTags', kind: 'list', group: 'Metrics and tracing', placeholder: 'key:value', description: 'DogStatsD tag; repeat or separate with commas' },
  { name: 'otel-endpoint', secret: true, key: 'otelEndpoint', kind: 'string', group: 'Metrics and tracing', placeholder: 'url', noEffect: 'dkron-core does not export traces yet', description: 'OpenTelemetry (OTLP) endpoint for traces' },
  { name: 'disable-usage-stats', key: 'disableUsageStats', kind: 'bool', group: 'Metrics and tracing', description: 'accepted for Dkron compatibility; dkron-core sends no usage statistics' },
  // Execution
  { name: 'default-timezone', key: 'defaultTimezone', kind: 'string', group: 'Execution', placeholder: 'zone', check: checkTimezone, description: 'time zone of jobs that set none' },
  { name: 'shutdown-timeout', key: 'shutdownTimeoutMs', kind: 'duration', defaultText: '60s', group: 'Execution', placeholder: 'duration', description: 'how long SIGTERM waits for running executions before cancelling them' },
  { name: 'agent-run-max-retries', key: 'agentRunMaxRetries', kind: 'int', min: 0, group: 'Execution', placeholder: 'n', description: 'retries of a failed dispatch to an agent' },
  { name: 'agent-run-retry-initial-interval', key: 'agentRunRetryInitialIntervalMs', kind: 'duration', group: 'Execution', placeholder: 'duration', description: 'first wait between dispatch retries' },
  { name: 'agent-run-retry-max-interval', key: 'agentRunRetryMaxIntervalMs', kind: 'duration', group: 'Execution', placeholder: 'duration', description: 'longest wait between dispatch retries' },
  // Plugins
  { name: 'plugins', key: 'plugins', kind: 'plugins', group: 'Plugins', fileOnly: true, description: 'plugins to load: npm package names or paths (relative to the config file), or { name, factory, options } mappings' },
  { name: 'plugin', key: 'pluginArgs', kind: 'list', group: 'Plugins', env: 'DKRON_PLUGINS', noFile: true, placeholder: 'module', description: 'plugin to load after the config file\'s plugins: an npm package name or a path relative to the working directory; repeat, or separate with commas in DKRON_PLUGINS' },
];

/**
 * Options that only matter in a cluster. This build runs one server: setting one of them logs a warning
 * at start and `agent --help` says so. (The clustering work removes names from here as it implements them.)
 */
export const CLUSTER_ONLY: ReadonlySet<string> = new Set([
  'bootstrap',
  'raft-multiplier',
  'profile',
  'agent-run-max-retries',
  'agent-run-retry-initial-interval',
  'agent-run-retry-max-interval',
]);

/**
 * Options by which a plain agent reaches a server. A server on the embedded rqlited uses
 * {@link SERVER_JOIN_OPTIONS} of them to join the other servers; the others, set on a server, log a warning.
 */
export const SERVER_JOIN_OPTIONS: ReadonlySet<string> = new Set(['join', 'retry-join']);

/** See {@link SERVER_JOIN_OPTIONS}. */
export const AGENT_JOIN_ONLY: ReadonlySet<string> = new Set([
  'join',
  'retry-join',
  'retry-max',
  'retry-interval',
]);

/**
 * Tags every node sets itself, as Dkron's agent does (the kernel's local cluster): a user tag of the same
 * name would be overwritten, so jobs targeting it would never run. Each is refused at start with why.
 */
export const RESERVED_TAGS: Readonly<Record<string, string>> = {
  role: 'every node has role=dkron, as in Dkron',
  dc: "it is the node's --datacenter",
  region: "it is the node's --region",
  version: 'it is the dkron-core version of the node',
  server: 'it is set by --server',
  dkron_server: 'it is set by --server',
  rpc_addr: "it is the node's advertised RPC address",
  port: "it is the node's advertised RPC port",
};

/** Keys Dkron accepts that dkron-core reads and ignores without a warning. */
export const IGNORED_KEYS: ReadonlySet<string> = new Set(['reconcileinterval', 'reconcile-interval']);

/** Keys of Dkron Pro; a config file naming them loads with a specific warning. */
export const PRO_KEYS: ReadonlySet<string> = new Set([
  'cert-file',
  'key-file',
  'trusted-ca-file',
  'client-cert-auth',
  'client-crl-file',
  'auto-tls',
  'fast',
]);

/** Name of the `DKRON_*` variable of an option (`http-addr` → `DKRON_HTTP_ADDR`). */
export function envName(option: string): string {
  return `DKRON_${option.toUpperCase().replaceAll('-', '_')}`;
}

/** The environment variable an option is read from. */
export function optionEnv(option: Pick<OptionBase, 'name' | 'env'>): string {
  return option.env ?? envName(option.name);
}

/** Normalizes a config-file key: case-insensitive, `_` and `-` alike (`Node_Name` → `node-name`). */
export function normalizeKey(key: string): string {
  return key.trim().toLowerCase().replaceAll('_', '-');
}
