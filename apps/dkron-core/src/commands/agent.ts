/**
 * `dkron-core agent`: read the config, start logging, load the plugins, hand over to `runAgent`.
 * The agent's modules (store, API, built-in plugins) are imported only here, so `version`,
 * `keygen` and `schedule` start without loading them.
 */

import { dirname } from 'node:path';
import { isDkronError } from '@dkron-core/plugin-api';
import { defaultAgentConfig } from '../config/agent-config.js';
import { wantsHelp } from '../config/argv.js';
import { configSearchDirs } from '../config/config-file.js';
import { formatDuration } from '../config/duration.js';
import { isUsageError } from '../config/errors.js';
import { AGENT_FLAGS, type LoadedConfig, loadConfig } from '../config/load-config.js';
import { AGENT_OPTIONS, CLUSTER_ONLY, type OptionSpec, optionEnv } from '../config/options.js';
import { describeStartupError } from '../lifecycle/startup-error.js';
import { type AppLogger, createLogger, type LoggerOutput } from '../logging/create-logger.js';
import { defaultFallbackDir, loadPlugins } from '../plugins/load-plugins.js';
import { renderCommandHelp } from './help.js';
import { type CliContext, type Command, EXIT, type FlagDoc } from './types.js';

/** A {@link CliContext} that may also redirect the agent's logs (tests). */
export interface AgentContext extends CliContext {
  readonly logOutput?: LoggerOutput;
}

const DEFAULTS = defaultAgentConfig('');
/** Appended to the help of options a single server cannot use. */
const NO_EFFECT = '[no effect: single server]';

/** The default of an option as a person would type it, if worth showing. */
export function defaultText(option: OptionSpec): string | undefined {
  if (option.defaultText) return option.defaultText;
  const value: unknown = DEFAULTS[option.key];
  if (option.kind === 'duration') return formatDuration(value as number);
  if (option.kind === 'bool') return value === true ? 'true' : undefined;
  if (Array.isArray(value) || value === '' || value === 0) return undefined;
  if (typeof value === 'object') return undefined;
  return String(value);
}

/** The agent's flags for help and docs, from the option table. */
export const AGENT_FLAG_DOCS: readonly FlagDoc[] = [
  {
    name: 'config',
    takesValue: true,
    placeholder: 'path',
    group: 'Node',
    description: 'config file (default: the first dkron.yml, dkron.yaml or dkron.json found)',
  },
  ...AGENT_OPTIONS.filter((o) => !o.fileOnly).map((o): FlagDoc => {
    const shown = defaultText(o);
    return {
      name: o.name,
      takesValue: AGENT_FLAGS.find((f) => f.name === o.name)?.takesValue ?? true,
      description: CLUSTER_ONLY.has(o.name)
        ? `${o.description} ${NO_EFFECT}`
        : o.noEffect
          ? `${o.description} [no effect: ${o.noEffect}]`
          : o.description,
      group: o.group,
      env: optionEnv(o),
      ...(o.placeholder ? { placeholder: o.placeholder } : {}),
      ...(shown === undefined ? {} : { default: shown }),
    };
  }),
];

const FILE_ONLY = AGENT_OPTIONS.filter((o) => o.fileOnly)
  .map((o) => {
    const note = CLUSTER_ONLY.has(o.name) ? ` ${NO_EFFECT}` : o.noEffect ? ` [no effect: ${o.noEffect}]` : '';
    return `  ${o.name.padEnd(10)}  ${o.description}${note}`;
  })
  .join('\n');

/** `dkron-core agent`. */
export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run a dkron-core agent (a server with --server)',
  usage: 'agent [flags]',
  description:
    'Starts a node that runs jobs; with --server it also stores state, takes part in leader election\n' +
    'and serves the API and web UI. Settings come from, in order of precedence: flags, DKRON_*\n' +
    'environment variables (DKRON_ and the flag name in upper case with - as _), the config file, and\n' +
    'defaults. The config file is --config, else the first dkron.yml, dkron.yaml or dkron.json in\n' +
    '/etc/dkron, $HOME/.dkron, ./config and the working directory. Its keys are the flag names (- or _).\n' +
    'SIGTERM or SIGINT stops the agent gracefully, waiting up to --shutdown-timeout for running jobs.\n' +
    'SIGHUP reads the config again and applies its tags (other options need a restart).\n' +
    '\n' +
    '\n' +
    'Plain agents: without --server a node keeps no state and serves no API (only GET /health on\n' +
    '--http-addr); it connects out to a server given by --join or --retry-join (host:port of the\n' +
    "server's --rpc-port), announces its tags and plugins and runs the jobs the server sends it. With\n" +
    '--encrypt (same key on every node) every node-to-node call is authenticated; with --tls-cert,\n' +
    '--tls-key and --tls-ca the link is mTLS (each node needs a certificate of the CA). Without either a\n' +
    'server accepts agents on loopback only unless --bind-addr names a host.\n' +
    '\n' +
    "Servers: with --join (host:port of the other servers' --rpc-port), --bootstrap-expect N and\n" +
    "--encrypt, each server's embedded rqlited joins the others' into one Raft group and the servers elect\n" +
    'one scheduling leader; the API answers 503 until N servers are there (docs/clustering.md). The\n' +
    'options marked [no effect: single server] are accepted so Dkron configurations load, and each one set\n' +
    'is named in a warning at start.',
  flags: AGENT_FLAG_DOCS,
  sections: [{ title: 'Config-file keys without a flag', body: FILE_ONLY }],
  examples: [
    'dkron-core agent --server --data-dir /var/lib/dkron-core',
    'dkron-core agent --server --http-addr 127.0.0.1:8080 --tag tier=web --tag zone=a',
    'dkron-core agent --node-name a1 --tag tier=web --join s1.internal:6868 --encrypt <key>',
    'DKRON_LOG_LEVEL=debug dkron-core agent --config /etc/dkron/dkron.yml',
  ],
  run: (argv, context) => runAgentCommand(argv, context),
};

async function runAgentCommand(argv: readonly string[], context: AgentContext): Promise<number> {
  if (wantsHelp(argv)) {
    context.stdout(renderCommandHelp(agentCommand, 'agent'));
    return EXIT.ok;
  }
  const input = {
    argv,
    env: context.env,
    cwd: context.cwd,
    ...(context.home === undefined ? {} : { home: context.home }),
    ...(context.etcDir === undefined ? {} : { etcDir: context.etcDir }),
  };
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(input);
  } catch (err) {
    if (!isUsageError(err)) throw err;
    context.stderr(`${err.message}\n`);
    return EXIT.usage;
  }
  const { config, source, warnings } = loaded;
  const logger = createLogger(config, context.logOutput);
  const log = logger.root;
  if (source) log.info({ path: source }, 'config file loaded');
  else
    log.info(
      { searched: configSearchDirs(context) },
      'no config file found; using flags, environment and defaults',
    );
  for (const warning of warnings) log.warn(warning);

  const plugins = await startPlugins(config, source, context, logger);
  if (typeof plugins === 'number') return plugins;
  try {
    const { runAgent } = await import('../agent/run-agent.js');
    const reloadConfig = async () => (await loadConfig(input)).config;
    return await runAgent(config, {
      logger,
      plugins,
      reloadConfig,
      ...(source ? { configPath: source } : {}),
    });
  } catch (err) {
    log.error(describeStartupError(err));
    log.debug({ error: err }, 'startup error details');
    return EXIT.failure;
  }
}

/**
 * The built-in plugins, then the config file's `plugins:` (paths relative to the config file), then
 * `DKRON_PLUGINS` or `--plugin` (paths relative to the working directory). A failure is logged and
 * becomes an exit status.
 */
async function startPlugins(
  config: LoadedConfig['config'],
  source: string | undefined,
  context: CliContext,
  logger: AppLogger,
) {
  try {
    const { builtinPlugins } = await import('../plugins/builtin.js');
    const builtins = builtinPlugins();
    const pluginLogger = logger.toPluginLogger({ component: 'plugins' });
    const configDir = source ? dirname(source) : context.cwd;
    const fromFile = await loadPlugins(config.plugins, {
      baseDir: configDir,
      logger: pluginLogger,
      loaded: builtins,
    });
    const fromArgs = await loadPlugins(config.pluginArgs, {
      baseDir: context.cwd,
      logger: pluginLogger,
      loaded: [...builtins, ...fromFile],
      // A package installed beside the config file is found too, as for the file's entries.
      fallbackDirs: [...new Set([configDir, defaultFallbackDir()])],
    });
    return [...builtins, ...fromFile, ...fromArgs];
  } catch (err) {
    logger.root.error((err as Error)?.message ?? String(err));
    logger.root.debug({ error: err }, 'plugin error details');
    return isDkronError(err, 'PLUGIN_INVALID') ? EXIT.usage : EXIT.failure;
  }
}
