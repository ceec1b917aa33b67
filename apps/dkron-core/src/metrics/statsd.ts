/**
 * StatsD (`--statsd-addr`) and DogStatsD (`--dog-statsd-addr`, `--dog-statsd-tags`) sinks, as Dkron's
 * hashicorp/go-metrics sinks send them: keys prefixed with the service name `dkron`; plain StatsD
 * flattens label values into the key (`dkron.job.executions_succeeded.<job>`), DogStatsD sends them as
 * tags (`job_name:<job>`) after the configured tags, plus `host:<node name>`.
 * Like the Prometheus metrics, they come from the plugin events, through the public plugin API.
 */

import { type DkronPlugin, definePlugin, type Logger } from '@dkron-core/plugin-api';
import { createUdpBatcher, type ResolveHost, type UdpBatcher } from './udp-batcher.js';

export { MAX_PACKET_BYTES, parseHostPort } from './udp-batcher.js';

/** The keys sent (go-metrics style: dots, `dkron.` service prefix). */
export const STATSD_KEYS = {
  /** Counter, label `job_name`: Dkron's `dkron_job_executions_succeeded_total`. */
  succeeded: 'dkron.job.executions_succeeded',
  /** Counter, label `job_name`: Dkron's `dkron_job_executions_failed_total` (failed, lost, cancelled). */
  failed: 'dkron.job.executions_failed',
  /** Counter, label `job_name` (dkron-core). */
  started: 'dkron.job.executions_started',
  /** Timer in ms: run time of finished executions (dkron-core). */
  duration: 'dkron.job.execution_duration',
  /** Timer in ms: scheduled slot → start, scheduled runs only (dkron-core). */
  lateness: 'dkron.job.launch_lateness',
  /** Counter, labels `job_name`, `reason` (`late` or `forbid`) (dkron-core). */
  missed: 'dkron.scheduler.missed_slots',
} as const;

/** Default interval between flushes of partly filled datagrams. */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

/** Options of {@link createStatsdSink}. */
export interface StatsdSinkOptions {
  /** `host:port` or `[ipv6]:port`. An invalid address is logged and nothing is sent; it never throws. */
  readonly address: string;
  readonly kind: 'statsd' | 'dogstatsd';
  /** DogStatsD: `key:value` tags added to every line (`--dog-statsd-tags`). Ignored by plain StatsD. */
  readonly tags?: readonly string[];
  /** DogStatsD: the `host` tag. Default: the node name the host gives the plugin. */
  readonly nodeName?: string;
  /** Default: the logger the host gives the plugin. */
  readonly logger?: Logger;
  /** Default {@link DEFAULT_FLUSH_INTERVAL_MS}. */
  readonly flushIntervalMs?: number;
  /** Host resolution, done once (tests). Default: `dns.lookup`. */
  readonly resolve?: ResolveHost;
}

/** A sink plugin; `close()` flushes what is buffered and closes the socket. */
export interface StatsdSink extends DkronPlugin {
  close(): Promise<void>;
}

type Labels = ReadonlyArray<readonly [name: string, value: string]>;
type Format = (key: string, labels: Labels, value: number, type: 'c' | 'ms') => string;

/** Characters that would break a statsd line (or a DogStatsD tag list) become `_`. */
export function sanitizeStatsd(value: string): string {
  return value.replace(/[:|@#,\s\p{Cc}]/gu, '_');
}

/** A configured `key:value` tag: keeps its `:`; characters that break the tag list become `_`. */
function sanitizeTag(tag: string): string {
  return tag.trim().replace(/[|,\s\p{Cc}]/gu, '_');
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

/** go-metrics StatsdSink: label values are appended to the key. */
const statsdLine: Format = (key, labels, value, type) => {
  const flat = labels.map(([, v]) => `.${sanitizeStatsd(v)}`).join('');
  return `${key}${flat}:${formatValue(value)}|${type}`;
};

/** go-metrics DogStatsdSink: global tags, then the labels, then `host:<node>`. */
function dogstatsdLine(tags: readonly string[], nodeName: string): Format {
  const global = tags.map(sanitizeTag).filter((t) => t !== '');
  const host = nodeName === '' ? [] : [`host:${sanitizeStatsd(nodeName)}`];
  return (key, labels, value, type) => {
    const all = [...global, ...labels.map(([k, v]) => `${k}:${sanitizeStatsd(v)}`), ...host];
    return `${key}:${formatValue(value)}|${type}${all.length > 0 ? `|#${all.join(',')}` : ''}`;
  };
}

/**
 * Creates a StatsD or DogStatsD sink plugin. Register it with the other plugins; the registry's
 * `close()` flushes it.
 */
export function createStatsdSink(options: StatsdSinkOptions): StatsdSink {
  let batcher: UdpBatcher | undefined;

  return definePlugin({
    name: options.kind === 'dogstatsd' ? 'dkron-core-dogstatsd' : 'dkron-core-statsd',
    apiVersion: 1,
    setup(host) {
      const format =
        options.kind === 'dogstatsd'
          ? dogstatsdLine(options.tags ?? [], options.nodeName ?? host.nodeName)
          : statsdLine;
      const out = createUdpBatcher({
        address: options.address,
        flushIntervalMs: options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
        logger: options.logger ?? host.logger,
        label: options.kind,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
      batcher = out;
      const count = (key: string, labels: Labels, value = 1) => out.add(format(key, labels, value, 'c'));
      const time = (key: string, ms: number) => out.add(format(key, [], ms, 'ms'));

      host.on('execution:start', ({ execution }) => {
        count(STATSD_KEYS.started, [['job_name', execution.job_name]]);
        if (execution.scheduled_at) {
          const late = Date.parse(execution.started_at) - Date.parse(execution.scheduled_at);
          if (Number.isFinite(late)) time(STATSD_KEYS.lateness, Math.max(late, 0));
        }
      });
      host.on('schedule:missed', ({ job, count: slots, reason }) => {
        const labels: Labels = [
          ['job_name', job.name],
          ['reason', reason],
        ];
        if (slots > 0) count(STATSD_KEYS.missed, labels, slots);
      });
      host.on('execution:done', ({ execution }) => {
        const key = execution.status === 'success' ? STATSD_KEYS.succeeded : STATSD_KEYS.failed;
        count(key, [['job_name', execution.job_name]]);
        const ran = Date.parse(execution.finished_at) - Date.parse(execution.started_at);
        if (Number.isFinite(ran) && ran >= 0) time(STATSD_KEYS.duration, ran);
      });
    },
    async close() {
      await batcher?.close();
    },
  });
}
