/**
 * Merges the agent's configuration from its sources: flags > `DKRON_*` environment > config file >
 * defaults, as Dkron (viper) does. Inputs are explicit so tests need no process state.
 */

import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { type AgentConfig, defaultAgentConfig } from './agent-config.js';
import { type FlagDef, parseArgv } from './argv.js';
import { findConfigFile, readConfigFile } from './config-file.js';
import { formatDuration } from './duration.js';
import { UsageError } from './errors.js';
import {
  AGENT_JOIN_ONLY,
  AGENT_OPTIONS,
  CLUSTER_ONLY,
  envName,
  IGNORED_KEYS,
  normalizeKey,
  type OptionSpec,
  optionEnv,
  PRO_KEYS,
  RESERVED_TAGS,
  SERVER_JOIN_OPTIONS,
} from './options.js';
import { suggest } from './suggest.js';
import {
  type Converted,
  toBool,
  toChoice,
  toDurationMs,
  toInt,
  toList,
  toPluginEntries,
  toTagList,
  toTagMap,
  toText,
} from './values.js';

/** Inputs of {@link loadConfig}. */
export interface LoadConfigInput {
  /** Arguments after `agent`. */
  readonly argv: readonly string[];
  /** Environment variables (only `DKRON_*` ones are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory: relative paths and `./config` are resolved against it. */
  readonly cwd: string;
  /** Home directory (`$HOME/.dkron` is searched). */
  readonly home?: string;
  /** Default node name; the host name unless given. */
  readonly hostname?: string;
  /** System config directory; `/etc/dkron` unless given. */
  readonly etcDir?: string;
}

/** Result of {@link loadConfig}. */
export interface LoadedConfig {
  readonly config: AgentConfig;
  /** Absolute path of the config file read, if any. */
  readonly source?: string;
  /** Problems that do not stop the agent (unknown keys, deprecated options), to be logged. */
  readonly warnings: string[];
}

/** Flags of `dkron-core agent`: every option that is not file-only, plus `--config`. */
export const AGENT_FLAGS: readonly FlagDef[] = [
  ...AGENT_OPTIONS.filter((o) => !o.fileOnly).map((o) => ({ name: o.name, takesValue: o.kind !== 'bool' })),
  { name: 'config', takesValue: true },
];

interface RawValue {
  readonly raw: unknown;
  /** Names the source in messages: `--http-addr`, `DKRON_HTTP_ADDR`, `config file /x: http-addr`. */
  readonly label: string;
}

/**
 * Loads the agent configuration.
 *
 * @throws {UsageError} listing every invalid value, each naming its source.
 */
export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig> {
  const args = parseArgv(input.argv, AGENT_FLAGS, 'agent');
  if (args.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(args.positionals[0])} (see dkron-core agent --help)`,
    );
  }
  const warnings: string[] = [];
  const explicit = args.flags.get('config')?.at(-1);
  const source = explicit
    ? resolve(input.cwd, explicit)
    : await findConfigFile({
        cwd: input.cwd,
        ...(input.home === undefined ? {} : { home: input.home }),
        ...(input.etcDir === undefined ? {} : { etcDir: input.etcDir }),
      });
  const fileValues = source ? readFileValues(source, await readConfigFile(source), warnings) : new Map();

  const values: Record<string, unknown> = {
    ...defaultAgentConfig(input.hostname ?? osHostname()),
  };
  const problems: string[] = [];
  let tagList: Record<string, string> | undefined;
  const joinLabels: { label: string; name: string }[] = [];
  for (const option of AGENT_OPTIONS) {
    const found = pick(option, args.flags, input.env, fileValues);
    if (!found) continue;
    const converted = convert(option, found.raw);
    if (!converted.ok) {
      problems.push(`${found.label}: ${converted.problem}`);
      continue;
    }
    if (option.deprecated && converted.value !== '') warnings.push(`${found.label}: ${option.deprecated}`);
    if (option.kind === 'tag-list' || option.kind === 'tag-map') {
      const reserved = reservedTagProblems(converted.value as Record<string, string>);
      if (reserved.length > 0) {
        problems.push(...reserved.map((p) => `${found.label}: ${p}`));
        continue;
      }
    }
    if (option.kind === 'tag-list') tagList = converted.value as Record<string, string>;
    else values[option.key] = converted.value;
    if (hasNoEffect(option, converted.value)) warnings.push(`${found.label}: ${SINGLE_SERVER}`);
    else if (AGENT_JOIN_ONLY.has(option.name) && isSet(option, converted.value))
      joinLabels.push({ label: found.label, name: option.name });
    else if (option.noEffect && JSON.stringify(converted.value) !== JSON.stringify(DEFAULTS[option.key])) {
      warnings.push(`${found.label}: has no effect: ${option.noEffect}`);
    }
  }
  // Dkron: a non-empty `tag` list replaces the `tags` map instead of merging with it.
  if (tagList && Object.keys(tagList).length > 0) values.tags = tagList;
  if (problems.length > 0) throw new UsageError(problems);

  warnings.push(...environmentWarnings(input.env));
  const config = finish(values as unknown as AgentConfig, input.cwd);
  crossCheck(config, warnings);
  if (config.server) warnings.push(...serverJoinWarnings(config, joinLabels));
  return { config, ...(source ? { source } : {}), warnings };
}

/** Indexes the file's keys by option name, warning about keys no option reads. */
function readFileValues(
  path: string,
  data: Record<string, unknown>,
  warnings: string[],
): Map<string, RawValue> {
  const known = new Set(AGENT_OPTIONS.filter((o) => !o.noFile).map((o) => o.name));
  const out = new Map<string, RawValue>();
  const where = `config file ${path}`;
  for (const [key, raw] of Object.entries(data)) {
    const name = normalizeKey(key);
    if (name === 'acl') {
      readAclSection(raw, `${where}: ${key}`, out, warnings);
    } else if (known.has(name)) {
      const previous = out.get(name);
      if (previous)
        warnings.push(`${where}: ${key} repeats ${previous.label.slice(where.length + 2)}; using ${key}`);
      out.set(name, { raw, label: `${where}: ${key}` });
    } else if (PRO_KEYS.has(name)) {
      warnings.push(`${where}: ${key} is a Dkron Pro setting and is ignored`);
    } else if (!IGNORED_KEYS.has(name)) {
      const hint = suggest(name, known);
      warnings.push(`${where}: unknown key ${key} ignored${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  }
  return out;
}

/**
 * Dkron Pro's `acl:` mapping (`acl: {enabled: true}`) sets `acl-enabled`; unknown keys in it are
 * warned about. A plain value (`acl: true`) is read as `enabled`.
 */
function readAclSection(raw: unknown, label: string, out: Map<string, RawValue>, warnings: string[]): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    out.set('acl-enabled', { raw, label });
    return;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (normalizeKey(key) === 'enabled') out.set('acl-enabled', { raw: value, label: `${label}.${key}` });
    else warnings.push(`${label}.${key}: unknown key ignored (only enabled)`);
  }
}

const DEFAULTS = defaultAgentConfig('');
const SINGLE_SERVER =
  'has no effect: this build of dkron-core runs a single server (clustering is not implemented yet)';

/**
 * The join options a server cannot use: `--retry-max` and `--retry-interval` (a joining server asks its
 * `--join` servers every second until enough answer), and every one of them with `--rqlite-url` (servers
 * sharing an external rqlite meet through it).
 */
function serverJoinWarnings(
  config: AgentConfig,
  labels: readonly { label: string; name: string }[],
): string[] {
  return labels
    .filter(({ name }) => config.rqliteUrl.length > 0 || !SERVER_JOIN_OPTIONS.has(name))
    .map(({ label }) =>
      config.rqliteUrl.length > 0
        ? `${label}: has no effect with --rqlite-url: servers sharing an rqlite cluster meet through it`
        : `${label}: has no effect on a server: a joining server asks its --join servers every second until enough answer (plain agents only)`,
    );
}

function isSet(option: OptionSpec, value: unknown): boolean {
  return JSON.stringify(value) !== JSON.stringify(DEFAULTS[option.key]);
}

/**
 * Whether a cluster-only option is set to something a single server cannot do: another value than the
 * default, except bootstrapping alone (`bootstrap`, `bootstrap-expect 1`), which is what it does.
 */
function hasNoEffect(option: OptionSpec, value: unknown): boolean {
  if (!CLUSTER_ONLY.has(option.name)) return false;
  if (option.name === 'bootstrap') return false;
  if (option.name === 'bootstrap-expect') return (value as number) > 1;
  return JSON.stringify(value) !== JSON.stringify(DEFAULTS[option.key]);
}

/** A sentence per reserved tag in `tags` (see {@link RESERVED_TAGS}). */
function reservedTagProblems(tags: Readonly<Record<string, string>>): string[] {
  return Object.keys(tags)
    .filter((name) => Object.hasOwn(RESERVED_TAGS, name))
    .map((name) => `tag "${name}" is reserved (${RESERVED_TAGS[name]}); use another name`);
}

/** `DKRON_*` names that an option reads. `plugins` is file-only and is not read from the environment. */
const ENV_NAMES: ReadonlyMap<string, string> = new Map(
  AGENT_OPTIONS.filter((o) => o.kind !== 'plugins').map((o) => [optionEnv(o), o.name]),
);

/**
 * A warning per `DKRON_*` variable that no option reads, with the closest name when it looks like a typo,
 * as the config file gets for unknown keys.
 */
function environmentWarnings(env: Readonly<Record<string, string | undefined>>): string[] {
  const warnings: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith('DKRON_') || ENV_NAMES.has(variable)) continue;
    const key = normalizeKey(variable.slice('DKRON_'.length));
    if (IGNORED_KEYS.has(key)) continue;
    if ([...PRO_KEYS].some((pro) => key === pro || key.startsWith(`${pro}-`))) {
      warnings.push(`environment: ${variable} is a Dkron Pro setting and is ignored`);
    } else {
      const hint = suggest(
        key,
        [...ENV_NAMES.keys()].map((name) => normalizeKey(name.slice('DKRON_'.length))),
      );
      const mean = hint ? ` (did you mean ${envName(hint)}?)` : '';
      warnings.push(`environment: unknown variable ${variable} ignored${mean}`);
    }
  }
  return warnings;
}

/** The highest-precedence raw value of `option`, if any source sets it. */
function pick(
  option: OptionSpec,
  flags: ReadonlyMap<string, readonly string[]>,
  env: Readonly<Record<string, string | undefined>>,
  file: ReadonlyMap<string, RawValue>,
): RawValue | undefined {
  const flagValues = option.fileOnly ? undefined : flags.get(option.name);
  if (flagValues && flagValues.length > 0) {
    const repeatable = option.kind === 'list' || option.kind === 'tag-list';
    return { raw: repeatable ? flagValues.join(',') : flagValues.at(-1), label: `--${option.name}` };
  }
  // The config file's `plugins:` list holds mappings an environment variable cannot; DKRON_PLUGINS
  // feeds the `plugin` option instead.
  const variable = option.kind === 'plugins' ? undefined : optionEnv(option);
  const envValue = variable === undefined ? undefined : env[variable];
  // As viper: an empty variable counts as unset.
  if (variable !== undefined && envValue !== undefined && envValue !== '')
    return { raw: envValue, label: variable };
  return option.noFile ? undefined : file.get(option.name);
}

function convert(option: OptionSpec, raw: unknown): Converted<unknown> {
  switch (option.kind) {
    case 'bool':
      return toBool(raw);
    case 'string': {
      const text = toText(raw);
      const problem = text.ok ? option.check?.(text.value) : undefined;
      return problem ? { ok: false, problem } : text;
    }
    case 'choice':
      return toChoice(raw, option.choices, option.aliases);
    case 'int':
      return toInt(raw, option.min, option.max ?? Number.MAX_SAFE_INTEGER);
    case 'duration':
      return toDurationMs(raw);
    case 'list': {
      const list = toList(raw);
      if (!list.ok || !option.item) return list;
      const out: string[] = [];
      for (const item of list.value) {
        const checked = option.item(item);
        if (!checked.ok) return checked;
        out.push(checked.value);
      }
      return { ok: true, value: out };
    }
    case 'tag-list':
      return toTagList(raw);
    case 'tag-map':
      return toTagMap(raw);
    case 'plugins':
      return toPluginEntries(raw);
  }
}

/** Fills computed defaults. */
function finish(config: AgentConfig, cwd: string): AgentConfig {
  return {
    ...config,
    dataDir: resolve(cwd, config.dataDir),
    httpsCert: config.httpsCert === '' ? '' : resolve(cwd, config.httpsCert),
    httpsKey: config.httpsKey === '' ? '' : resolve(cwd, config.httpsKey),
    tlsCert: config.tlsCert === '' ? '' : resolve(cwd, config.tlsCert),
    tlsKey: config.tlsKey === '' ? '' : resolve(cwd, config.tlsKey),
    tlsCa: config.tlsCa === '' ? '' : resolve(cwd, config.tlsCa),
    uiDir: config.uiDir === '' ? '' : resolve(cwd, config.uiDir),
    advertiseRpcPort: config.advertiseRpcPort === 0 ? config.rpcPort : config.advertiseRpcPort,
  };
}

/** Checks across options. Problems here cannot name one source, so they name the options. */
function crossCheck(config: AgentConfig, warnings: string[]): void {
  const problems: string[] = [];
  if (config.rqliteUrl.length === 0 && config.rqliteHttpPort === config.rqliteRaftPort) {
    problems.push(`rqlite-http-port and rqlite-raft-port must differ, both are ${config.rqliteHttpPort}`);
  }
  if ((config.httpsCert === '') !== (config.httpsKey === '')) {
    problems.push('https-cert and https-key go together: give both for TLS, or neither');
  }
  const nodeTls = [config.tlsCert, config.tlsKey, config.tlsCa].filter((v) => v !== '').length;
  if (nodeTls !== 0 && nodeTls !== 3) {
    problems.push('tls-cert, tls-key and tls-ca go together: give all three for node-to-node mTLS, or none');
  }
  if (config.agentRunRetryInitialIntervalMs > config.agentRunRetryMaxIntervalMs) {
    problems.push(
      `agent-run-retry-initial-interval (${formatDuration(config.agentRunRetryInitialIntervalMs)}) must not exceed ` +
        `agent-run-retry-max-interval (${formatDuration(config.agentRunRetryMaxIntervalMs)})`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems);
  if (config.bootstrapExpect > 0 && !config.server) {
    warnings.push('bootstrap-expect is ignored: only servers (--server) take part in bootstrapping');
  } else if (
    config.bootstrapExpect > 1 &&
    config.rqliteUrl.length === 0 &&
    config.join.length + config.retryJoin.length === 0
  ) {
    warnings.push(
      'bootstrap-expect has no effect without --join or --rqlite-url: a server on its own embedded rqlited is alone (give it the other servers with --join)',
    );
  }
}
