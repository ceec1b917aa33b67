/**
 * The JSON Schema `GET /v1/plugins` publishes for every built-in executor and processor describes what
 * the server accepts: a form generated from it (defaults, then a value for every other key) validates
 * against it and is accepted by the server, in native JSON and as Dkron's strings alike; every
 * published default means the same as leaving the key out; a value the schema refuses, the server
 * refuses too.
 */

import { createPluginRegistry, type PluginRegistry } from '@dkron-core/kernel';
import { isDkronError } from '@dkron-core/plugin-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  asDkronStrings,
  FILLED,
  type FormSchema,
  formValue,
} from '../../../../test/fixtures/plugin-forms.js';
import { builtinPlugins } from './builtin.js';

type Schema = FormSchema;

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('go-duration', true);

// Top level: describe.each below needs the catalog when the file is collected.
const registry: PluginRegistry = createPluginRegistry({
  nodeName: 'n1',
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
for (const plugin of builtinPlugins()) await registry.register(plugin);
const catalog = registry.catalog();

type Kind = 'executor' | 'processor';
const entries: Array<[Kind, string]> = [
  ...catalog.executors.map((e): [Kind, string] => ['executor', e.name]),
  ...catalog.processors.map((p): [Kind, string] => ['processor', p.name]),
];

function schemaOf(kind: Kind, name: string): Schema {
  const entry = (kind === 'executor' ? catalog.executors : catalog.processors).find((e) => e.name === name);
  if (!entry) throw new Error(`no built-in ${kind} ${name}`);
  return entry.config as Schema;
}

function parse(kind: Kind, name: string, config: unknown): unknown {
  if (kind === 'executor') {
    registry.validateExecutorConfig(name, config);
    return registry.executor(name)?.definition.config.parse(config, 'executor_config');
  }
  registry.validateProcessors({ [name]: config });
  return registry.processor(name)?.definition.config.parse(config, `processors.${name}`);
}

function shapeOf(kind: Kind, name: string): Record<string, { parse(v: unknown, path: string): unknown }> {
  const config = (kind === 'executor' ? registry.executor(name) : registry.processor(name))?.definition
    .config as { shape?: Record<string, { parse(v: unknown, path: string): unknown }> } | undefined;
  if (config?.shape === undefined) throw new Error(`${kind} ${name} has no object schema`);
  return config.shape;
}

function accepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (!isDkronError(error, 'CONFIG_INVALID')) throw error;
    return false;
  }
}

/** Values a user or Dkron may send for any key: Dkron strings, native JSON, near misses. */
const PROBES: unknown[] = [
  ...['', ' ', 'x', 'true', 'false', 'yes', '0', '1', '3', '-1', '2.5', '200', '2xx', '30', '30s', '-5s'],
  ...['1h30m', 'OK', 'GET', 'plain', 'sha512', 'PLAIN', 'aGk=', 'aGk', '!!', 'local0', 'cron', 'rfc5424'],
  ...['["A: b"]', '["no colon"]', '{"a":"b"}', '{"a":1}', '[1]', '[oops', 'h:1/a.B/C', '127.0.0.1:9092'],
  ...['nats://127.0.0.1:4222', 'amqp://h/', 'http://h/', 'udp://127.0.0.1:514', '/tmp/x', 'a.b', 'a b'],
  ...['0.5', '.5M', '1.5K', '0MB', '512MB', ' 1K', '1.5', 'on', 'F'],
  ...[0, 1, 5, 17, 200, 2.5, -1, true, false, [], ['A: b'], [1], {}, { a: 'b' }, { a: 1 }, null],
];

/**
 * What JSON Schema cannot say, left to the server (its 400 names the key): whether a string holds JSON
 * of the right shape (`contentMediaType` is an annotation), a valid URL or regular expression (`format`),
 * and the bounds of a number written as a string.
 */
function beyondJsonSchema(property: Schema, probe: unknown): boolean {
  if (typeof probe !== 'string' || probe === '') return false;
  const forms = property.anyOf ?? [property];
  return (
    forms.some(
      (f) =>
        f.type === 'string' &&
        ((f as { contentMediaType?: string }).contentMediaType !== undefined ||
          ['uri', 'regex'].includes((f as { format?: string }).format ?? '')),
    ) ||
    (/^\d+$/.test(probe) && forms.some((f) => f.maximum !== undefined || (f.minimum ?? 0) > 0))
  );
}

function refused(kind: Kind, name: string, config: unknown): boolean {
  try {
    parse(kind, name, config);
    return false;
  } catch (error) {
    if (!isDkronError(error, 'VALIDATION')) throw error;
    return true;
  }
}

describe('built-in plugins', () => {
  it('are all in the catalog GET /v1/plugins serves', () => {
    expect(catalog.executors.map((e) => e.name)).toEqual([
      'gcppubsub',
      'grpc',
      'http',
      'kafka',
      'nats',
      'rabbitmq',
      'shell',
    ]);
    expect(catalog.processors.map((p) => p.name)).toEqual(['files', 'fluent', 'log', 'syslog']);
  });
});

describe.each(entries)('the published schema of the %s %s', (kind, name) => {
  it('generates a form value that validates and that the server accepts, natively and as strings', () => {
    const schema = schemaOf(kind, name);
    const validate = ajv.compile(schema);
    const form = formValue(name, schema);
    expect(validate(form), JSON.stringify(validate.errors)).toBe(true);
    const native = parse(kind, name, form);
    const strings = asDkronStrings(form);
    expect(validate(strings), JSON.stringify(validate.errors)).toBe(true);
    expect(parse(kind, name, strings)).toEqual(native);
  });

  it('publishes defaults that mean the same as leaving the key out', () => {
    const schema = schemaOf(kind, name);
    const base = { ...FILLED[name] };
    const absent = parse(kind, name, base);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (property.default === undefined) continue;
      expect(parse(kind, name, { ...base, [key]: property.default }), key).toEqual(absent);
    }
  });

  it('accepts for each key exactly the values the server accepts for it', () => {
    const schema = schemaOf(kind, name);
    const shape = shapeOf(kind, name);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      const validate = ajv.compile(property);
      const parser = shape[key];
      if (parser === undefined) throw new Error(`${name}.${key} is published but not in the shape`);
      for (const probe of PROBES) {
        if (probe === null || beyondJsonSchema(property, probe)) continue;
        const server = accepts(() => parser.parse(probe, key));
        expect(validate(probe), `${name}.${key} = ${JSON.stringify(probe)}`).toBe(server);
      }
    }
  });

  it('refuses at the server what the schema refuses', () => {
    const schema = schemaOf(kind, name);
    const validate = ajv.compile(schema);
    const form = formValue(name, schema);
    for (const key of Object.keys(schema.properties ?? {})) {
      const accepts = (v: unknown) => validate({ ...form, [key]: v });
      for (const bad of [{ nested: true }, [1, 2], 'not-a-value-\u0000', -12345.5]) {
        if (!accepts(bad))
          expect(refused(kind, name, { ...form, [key]: bad }), `${key} = ${JSON.stringify(bad)}`).toBe(true);
      }
    }
  });
});
