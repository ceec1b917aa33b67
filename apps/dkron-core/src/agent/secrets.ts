/**
 * Secret references (`env:NAME`, `file:/path`, `${env:NAME}` inside a string) resolved on this node
 * at the last moment: in executor and processor configs when an execution runs, in a job's
 * `notify.webhook` when it is notified, and in the agent's own secret options when it starts. The
 * store, the API and `/debug/vars` only ever see the references.
 */

import { readFile } from 'node:fs/promises';
import {
  holdsSecretReference,
  type Notifier,
  resolveSecretReferences,
  type SecretSource,
} from '@dkron-core/kernel';
import type { DkronPlugin, Job, Logger, PluginHost } from '@dkron-core/plugin-api';
import type { AgentConfig } from '../config/agent-config.js';
import { AGENT_OPTIONS } from '../config/options.js';

/** References resolved from this process's environment and file system. */
export function processSecretSource(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return { env: (name) => env[name], readFile: (path) => readFile(path, 'utf8') };
}

/**
 * The config with references in the values of its secret options (`--mail-password env:SMTP_PASS`,
 * `--webhook-headers 'Authorization: Bearer ${file:/run/secrets/hook}'`) replaced. A reference that
 * cannot be resolved fails the start, naming the option.
 */
export async function resolveSecretOptions(config: AgentConfig, source: SecretSource): Promise<AgentConfig> {
  const out: Record<string, unknown> = { ...config };
  for (const option of AGENT_OPTIONS) {
    if (!option.secret || (option.kind !== 'string' && option.kind !== 'list')) continue;
    out[option.key] = await resolveSecretReferences(config[option.key], option.name, source);
  }
  return out as unknown as AgentConfig;
}

/** The host a plugin sees, with its executors and processors getting resolved configs. */
function resolvingHost(host: PluginHost, source: SecretSource): PluginHost {
  return {
    get apiVersion() {
      return host.apiVersion;
    },
    get nodeName() {
      return host.nodeName;
    },
    get logger() {
      return host.logger;
    },
    executor(definition) {
      host.executor({
        ...definition,
        // A config without references goes to the executor in the same turn: the scheduler calls every
        // executor of a slot in one loop, and an await here would put every call after that loop.
        execute: (request, context) =>
          holdsSecretReference(request.config)
            ? resolveSecretReferences(request.config, 'executor_config', source).then((config) =>
                definition.execute({ ...request, config }, context),
              )
            : definition.execute(request, context),
      });
    },
    processor(definition) {
      host.processor({
        ...definition,
        process: (execution, context) =>
          holdsSecretReference(context.config)
            ? resolveSecretReferences(context.config, `processors.${definition.name}`, source).then(
                (config) => definition.process(execution, { ...context, config }),
              )
            : definition.process(execution, context),
      });
    },
    on(event, handler) {
      host.on(event, handler);
    },
  };
}

/**
 * `plugin` with the references of its executors' and processors' configs resolved before each call
 * (the parsed `config`; `rawConfig` stays as stored). A reference that cannot be resolved fails that
 * execution with a message naming the field.
 */
export function withSecretReferences(plugin: DkronPlugin, source: SecretSource): DkronPlugin {
  return {
    name: plugin.name,
    apiVersion: plugin.apiVersion,
    setup: (host) => plugin.setup(resolvingHost(host, source)),
    ...(plugin.close ? { close: () => plugin.close?.() } : {}),
  };
}

/** `notifier` with the job's `notify.webhook` resolved; a failure is logged and that notification skipped. */
export function withNotifySecrets(notifier: Notifier, source: SecretSource, logger: Logger): Notifier {
  const resolved = async (job: Job): Promise<Job | undefined> => {
    const webhook = job.notify?.webhook;
    if (webhook === undefined || job.notify === null) return job;
    try {
      return {
        ...job,
        notify: { ...job.notify, webhook: await resolveSecretReferences(webhook, 'notify.webhook', source) },
      };
    } catch (error) {
      logger.error('notification skipped', {
        job: job.name,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  };
  // Called for every run: a job whose webhook holds no reference goes straight through.
  const plain = (job: Job): boolean =>
    job.notify === null || job.notify?.webhook === undefined || !holdsSecretReference(job.notify.webhook);
  return {
    started(job, execution) {
      if (plain(job)) return notifier.started(job, execution);
      return resolved(job).then((ready) => (ready ? notifier.started(ready, execution) : undefined));
    },
    finished(job, execution) {
      if (plain(job)) return notifier.finished(job, execution);
      return resolved(job).then((ready) => (ready ? notifier.finished(ready, execution) : undefined));
    },
  };
}
