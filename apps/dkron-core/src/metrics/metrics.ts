/**
 * Prometheus metrics of an agent (`--enable-prometheus`), with Dkron's names where Dkron has them
 * (`dkron_job_executions_succeeded_total`, `dkron_job_executions_failed_total`, labelled `job_name`).
 * Execution metrics come from the plugin events, through the same public API third-party plugins use.
 */

import { type DkronPlugin, definePlugin } from '@dkron-core/plugin-api';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Facts the metrics read at scrape time. */
export interface MetricsSources {
  /** Jobs in the scheduler. */
  scheduledJobs(): number;
  /** Executions running on this node. */
  runningExecutions(): Promise<number>;
}

/** The metrics of one agent. */
export interface AgentMetrics {
  /** The plugin that counts executions; register it with the other plugins. */
  readonly plugin: DkronPlugin;
  /** Connects the scrape-time gauges to the running agent. */
  attach(sources: MetricsSources): void;
  /** The exposition for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Creates the registry, the counters and the event plugin. */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dkron_' });
  let sources: MetricsSources | undefined;

  const succeeded = new Counter({
    name: 'dkron_job_executions_succeeded_total',
    help: 'Executions that succeeded, per job (every attempt counts, as in Dkron).',
    labelNames: ['job_name'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'dkron_job_executions_failed_total',
    help: 'Executions that failed, were lost or were cancelled, per job.',
    labelNames: ['job_name'],
    registers: [registry],
  });
  const started = new Counter({
    name: 'dkron_job_executions_started_total',
    help: 'Executions started on this node, per job.',
    labelNames: ['job_name'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dkron_job_execution_duration_seconds',
    help: 'Run time of finished executions.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'dkron_job_launch_lateness_seconds',
    help: 'Delay between the scheduled slot and the start of the execution (scheduled runs only).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 60],
    registers: [registry],
  });
  const missed = new Counter({
    name: 'dkron_scheduler_missed_slots_total',
    help: 'Scheduled slots that passed without running (reason: late = older than the catch-up window, forbid = previous run in progress, store = the store could not record the launch).',
    labelNames: ['job_name', 'reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'dkron_scheduler_jobs',
    help: 'Jobs in the scheduler.',
    registers: [registry],
    collect() {
      this.set(sources?.scheduledJobs() ?? 0);
    },
  });
  new Gauge({
    name: 'dkron_executions_running',
    help: 'Executions running on this node.',
    registers: [registry],
    async collect() {
      this.set((await sources?.runningExecutions()) ?? 0);
    },
  });

  const plugin = definePlugin({
    name: 'dkron-core-metrics',
    apiVersion: 1,
    setup(host) {
      host.on('execution:start', ({ execution }) => {
        started.inc({ job_name: execution.job_name });
        if (execution.scheduled_at) {
          const late = Date.parse(execution.started_at) - Date.parse(execution.scheduled_at);
          if (Number.isFinite(late)) lateness.observe(Math.max(late, 0) / 1000);
        }
      });
      host.on('schedule:missed', ({ job, count, reason }) => {
        missed.inc({ job_name: job.name, reason }, count);
      });
      host.on('execution:done', ({ execution }) => {
        (execution.status === 'success' ? succeeded : failed).inc({ job_name: execution.job_name });
        const ran = Date.parse(execution.finished_at) - Date.parse(execution.started_at);
        if (Number.isFinite(ran) && ran >= 0) duration.observe(ran / 1000);
      });
    },
  });

  return {
    plugin,
    attach(next) {
      sources = next;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
