/**
 * Config schemas: a plugin declares the shape of its config once, gets the typed config from it,
 * and the host exports it as JSON Schema for the API and the UI.
 *
 * Dkron sends every config value as a string (`"timeout": "30"`, `"shell": "true"`); every
 * schema here accepts those strings and native JSON values alike, and converts to the declared type.
 *
 * @example
 * ```ts
 * const config = c.object({
 *   command: c.string({ description: 'Command to run' }),
 *   shell: c.boolean().default(false),
 *   timeout: c.duration().optional(),
 * });
 * type Config = InferConfig<typeof config>;
 * // { command: string; shell: boolean; timeout?: number | undefined }
 * ```
 *
 * @packageDocumentation
 */

import { DkronError } from './errors.js';

/** A JSON Schema (draft 2020-12) document, as produced by {@link ConfigSchema.toJSONSchema}. */
export interface JsonSchema {
  readonly [keyword: string]: unknown;
}

/** Common options of every schema. */
export interface SchemaOptions {
  /** Shown in the API's JSON Schema and as help text in the UI. */
  readonly description?: string;
}

/**
 * A schema that parses a value of type `T`. `Opt` is `true` when the key may be absent in an object.
 *
 * Schemas are immutable: `optional()`, `default()` and `describe()` return new schemas.
 */
export interface ConfigSchema<T, Opt extends boolean = false> {
  /**
   * Marks the key as optional in an object; an absent value parses to `undefined`. For every type but
   * strings, `""` counts as absent too (Dkron writes `""` for "unset").
   */
  optional(): ConfigSchema<T | undefined, true>;
  /** Uses `value` when the key is absent or an empty string (Dkron writes `""` for "unset"). */
  default(value: T): ConfigSchema<T, true>;
  /** Sets the description. */
  describe(description: string): ConfigSchema<T, Opt>;
  /**
   * Converts `input` to `T`, or throws a `CONFIG_INVALID` {@link DkronError} whose message
   * names `path` and the offending value. `undefined`, `null` and (except for strings) `""` are
   * absent: they give the default, `undefined` when optional, or an `is required` error.
   */
  parse(input: unknown, path?: string): T;
  /** This schema as JSON Schema. */
  toJSONSchema(): JsonSchema;
  /** @internal type marker for inference. */
  readonly __opt?: Opt;
  /** @internal true when absent values are allowed. */
  readonly isOptional: boolean;
}

/** The type a schema parses to. */
export type InferConfig<S> = S extends ConfigSchema<infer T, boolean> ? T : never;

/** The keys of an object schema and their schemas. */
export type ConfigShape = Record<string, ConfigSchema<unknown, boolean>>;
type Shape = ConfigShape;
// A key is optional in the parsed object when its schema may yield `undefined` (a defaulted key may be
// absent in the input but is always present in the output).
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: undefined extends InferConfig<S[K]> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The object type described by a shape: optional schemas give optional keys. */
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: InferConfig<S[K]> } & { [K in OptionalKeys<S>]?: InferConfig<S[K]> }
>;

/** What an object schema does with keys its shape does not name. */
export type UnknownKeys = 'ignore' | 'reject';

/** An object schema; executors and processors declare their whole config with one. */
export interface ObjectConfigSchema<S extends Shape> extends ConfigSchema<InferShape<S>> {
  /** The declared keys. */
  readonly shape: S;
}

const isAbsent = (v: unknown): boolean => v === undefined || v === null;

function invalid(path: string, expected: string, value: unknown): DkronError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : safeJson(value);
  return new DkronError('CONFIG_INVALID', `${path}: expected ${expected}, got ${shown}`, {
    details: { field: path },
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

interface Core<T> {
  readonly expected: string;
  /** The JSON Schema of the native JSON form (`30`, `true`, `[...]`). */
  readonly json: JsonSchema;
  /**
   * The string form also accepted (Dkron sends every value as a string): published beside the native
   * form as `anyOf`, so the JSON Schema accepts exactly what {@link ConfigSchema.parse} accepts.
   */
  readonly text?: JsonSchema & { readonly pattern?: string };
  /** True when `""` is a value of the type (strings); otherwise `""` means unset, as Dkron writes it. */
  readonly acceptsEmpty?: boolean;
  convert(input: unknown, path: string): T;
  /** Writes a parsed value back in the form a user types (a default of 30 000 ms is `"30s"`). */
  toInput?(value: T): unknown;
}

class BaseSchema<T, Opt extends boolean> implements ConfigSchema<T, Opt> {
  declare readonly __opt?: Opt;
  constructor(
    private readonly core: Core<T>,
    readonly isOptional: boolean,
    private readonly fallback: { has: boolean; value?: T },
    private readonly description: string | undefined,
  ) {}

  optional(): ConfigSchema<T | undefined, true> {
    return new BaseSchema<T | undefined, true>(this.core, true, { has: false }, this.description);
  }

  default(value: T): ConfigSchema<T, true> {
    return new BaseSchema<T, true>(this.core, true, { has: true, value }, this.description);
  }

  describe(description: string): ConfigSchema<T, Opt> {
    return new BaseSchema<T, Opt>(this.core, this.isOptional, this.fallback, description);
  }

  parse(input: unknown, path = 'value'): T {
    if (isAbsent(input) || (input === '' && (this.fallback.has || this.core.acceptsEmpty !== true))) {
      if (this.fallback.has) return this.fallback.value as T;
      if (this.isOptional) return undefined as T;
      throw new DkronError('CONFIG_INVALID', `${path}: is required (${this.core.expected})`, {
        details: { field: path },
      });
    }
    return this.core.convert(input, path);
  }

  toJSONSchema(): JsonSchema {
    const { core } = this;
    // The string form says what `parse` does with "": the default (defaulted keys), a value (other
    // strings), unset (optional keys), or "is required" (required keys).
    const empty: EmptyString = this.fallback.has
      ? 'unset'
      : core.acceptsEmpty === true
        ? 'value'
        : this.isOptional
          ? 'unset'
          : 'refused';
    const body: JsonSchema =
      core.text !== undefined
        ? { anyOf: [core.json, stringForm(core.text, empty)] }
        : core.json.type === 'string'
          ? stringForm(core.json, empty)
          : empty === 'unset'
            ? { anyOf: [core.json, { const: '' }] }
            : core.json;
    const fallback = this.fallback.value as T;
    return {
      ...body,
      ...(this.description === undefined ? {} : { description: this.description }),
      ...(this.fallback.has ? { default: core.toInput ? core.toInput(fallback) : fallback } : {}),
    };
  }
}

type EmptyString = 'value' | 'unset' | 'refused';

/** Whether a string schema admits `""`, as far as its `minLength`, `enum` and `pattern` say. */
function admitsEmpty(text: JsonSchema & { readonly pattern?: string }): boolean {
  if (typeof text.minLength === 'number' && text.minLength > 0) return false;
  if (Array.isArray(text.enum) && !text.enum.includes('')) return false;
  if (typeof text.pattern === 'string') {
    try {
      return new RegExp(text.pattern, 'u').test('');
    } catch {
      return true;
    }
  }
  return true;
}

/** The string form `text` of a schema, admitting `""` exactly when `parse` accepts it. */
function stringForm(text: JsonSchema & { readonly pattern?: string }, empty: EmptyString): JsonSchema {
  if (empty === 'value') return text;
  if (empty === 'refused') return admitsEmpty(text) ? { ...text, minLength: 1 } : text;
  if (typeof text.minLength === 'number' && text.minLength > 0) return { anyOf: [{ const: '' }, text] };
  if (typeof text.pattern === 'string') return { ...text, pattern: `^$|${text.pattern}` };
  if (Array.isArray(text.enum)) {
    const values = text.enum as unknown[];
    return values.includes('') ? text : { ...text, enum: [...values, ''] };
  }
  return text;
}

function make<T>(core: Core<T>, options?: SchemaOptions): ConfigSchema<T> {
  return new BaseSchema<T, false>(core, false, { has: false }, options?.description);
}

/** Options of {@link c.string}. */
export interface StringOptions extends SchemaOptions {
  readonly minLength?: number;
  /** Regular expression the value must match. */
  readonly pattern?: RegExp;
}

/** Options of {@link c.boolean}. */
export interface BooleanOptions extends SchemaOptions {
  /**
   * Accept any string: a Go false word is `false`, any other text `true` (Dkron's `debug` keys turn on
   * with any non-empty value). Default: Go's boolean words only.
   */
  readonly anyText?: boolean;
}

/** Options of {@link c.number}. */
export interface NumberOptions extends SchemaOptions {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

// Decimal numbers as text; `Number()` alone would also take "0x10", "0b1" and "Infinity".
const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;
const INTEGER_TEXT = /^\s*[-+]?\d+\s*$/;
const unsignedForm = (text: RegExp): RegExp => new RegExp(text.source.replace('[-+]?', '\\+?'));
// Lists and maps also come as a string holding JSON (Dkron's `headers: "[\"A: b\"]"`).
const JSON_TEXT: JsonSchema = { type: 'string', contentMediaType: 'application/json' };

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
// What `c.duration` accepts as text: a Go duration, `0`, or a bare number of seconds.
const DURATION_TEXT = /^(\d+(\.\d+)?|[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
// The same without negative durations, for `c.duration({ min })` with `min >= 0`.
const UNSIGNED_DURATION_TEXT = /^(\d+(\.\d+)?|\+?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`1h30m`, `500ms`, `1.5s`, `0`) to milliseconds, or returns `undefined`.
 * A bare number is read as seconds (Dkron's http executor `timeout` convention).
 */
export function goDurationToMs(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!GO_DURATION.test(t)) return undefined;
  const sign = t.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (GO_UNITS[m[2] as string] as number);
  }
  return sign * total;
}

/**
 * Writes milliseconds as Go prints a duration: `500ms`, `30s`, `1.5s`, `1h30m0s`, `0s`. The result
 * parses back to the same value with {@link goDurationToMs}.
 */
export function msToGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1) return `${sign}${trimZeros((rest * 1000).toFixed(3))}us`;
  if (rest < 1000) return `${sign}${trimZeros(rest.toFixed(6))}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = `${trimZeros((rest / 1000).toFixed(9))}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  return m > 0 ? `${sign}${m}m${s}` : `${sign}${s}`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** What {@link c.custom}'s `convert` returns: the value, or a refusal. */
export type Conversion<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** Shown after the key's path; default: `expected <expected>, got <the value>`. */
      readonly message?: string;
    };

/** The definition of a {@link c.custom} schema. */
export interface CustomSpec<T> extends SchemaOptions {
  /** What the key holds, for messages: `expected <expected>, got …` and `is required (<expected>)`. */
  readonly expected: string;
  /**
   * The JSON Schema of the native JSON form (`200`, `["A: b"]`, `{"k": "v"}`); for a key that takes only
   * strings, the string's (`{ type: 'string', pattern }`).
   */
  readonly json: JsonSchema;
  /**
   * The JSON Schema of the string form, for a key that also takes one besides a native value (Dkron
   * sends every value as a string): published beside `json` as `anyOf`.
   */
  readonly text?: JsonSchema;
  /** Converts a present value: never `undefined` or `null`, and never `""` unless `acceptsEmpty`. */
  convert(input: unknown): Conversion<T>;
  /**
   * Pass `""` to `convert` as a value instead of reading it as unset, for a key whose mere presence
   * means something (Dkron's rabbitmq `queue.create`, set to `""`, declares the queue). Default false.
   */
  readonly acceptsEmpty?: boolean;
  /** Writes a parsed value back as a user types it, to publish a default. Default: the value as is. */
  readonly toInput?: (value: T) => unknown;
}

/** A problem across keys found by an object schema's `check`: the key to name, and what is wrong. */
export interface KeyProblem<K extends string = string> {
  readonly key: K;
  readonly message: string;
}

/** Options of {@link c.object}. */
export interface ObjectOptions<S extends Shape> extends SchemaOptions {
  /** What to do with keys the shape does not name. Default `'ignore'`, as Dkron. */
  readonly unknownKeys?: UnknownKeys;
  /**
   * A rule across keys (a certificate needs its key), run once every key parsed; returns the key to
   * name and what is wrong, or `undefined`. The refusal is a `CONFIG_INVALID` error naming
   * `<path>.<key>`.
   */
  readonly check?: (value: InferShape<S>) => KeyProblem<Extract<keyof S, string>> | undefined;
}

/** Schema builders. Every builder accepts Dkron's string-typed values. */
export const c = {
  /** A string. Other JSON values are refused (Dkron's configs hold only strings). */
  string(options?: StringOptions): ConfigSchema<string> {
    return make<string>(
      {
        expected: 'a string',
        acceptsEmpty: true,
        json: {
          type: 'string',
          ...(options?.minLength === undefined ? {} : { minLength: options.minLength }),
          ...(options?.pattern === undefined ? {} : { pattern: options.pattern.source }),
        },
        convert(input, path) {
          // Only strings: what the published `type: "string"` admits (and all Dkron's map[string]string holds).
          if (typeof input !== 'string') throw invalid(path, 'a string', input);
          const s = input;
          if (options?.minLength !== undefined && s.length < options.minLength) {
            throw invalid(path, `at least ${options.minLength} characters`, input);
          }
          if (options?.pattern !== undefined && !options.pattern.test(s)) {
            throw invalid(path, `a value matching ${options.pattern}`, input);
          }
          return s;
        },
      },
      options,
    );
  },

  /**
   * A number; decimal strings (`"30"`, `" 2.5 "`, `"1e3"`) are accepted. With `integer`, only whole
   * numbers, and strings of digits.
   */
  number(options?: NumberOptions): ConfigSchema<number> {
    const integer = options?.integer === true;
    const expected = integer ? 'an integer' : 'a number';
    // With a minimum of 0 or more, the published text form has no minus sign ("-0" is refused too).
    const unsigned = options?.min !== undefined && options.min >= 0;
    const signed = integer ? INTEGER_TEXT : NUMBER_TEXT;
    const text = unsigned ? unsignedForm(signed) : signed;
    return make<number>(
      {
        expected,
        json: {
          type: integer ? 'integer' : 'number',
          ...(options?.min === undefined ? {} : { minimum: options.min }),
          ...(options?.max === undefined ? {} : { maximum: options.max }),
        },
        text: { type: 'string', pattern: text.source },
        convert(input, path) {
          const n =
            typeof input === 'number'
              ? input
              : typeof input === 'string' && signed.test(input)
                ? Number(input)
                : NaN;
          if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw invalid(path, expected, input);
          const negative = typeof input === 'string' && input.trim().startsWith('-');
          if (options?.min !== undefined && (n < options.min || (unsigned && negative)))
            throw invalid(path, `${expected} >= ${options.min}`, input);
          if (options?.max !== undefined && n > options.max)
            throw invalid(path, `${expected} <= ${options.max}`, input);
          return n;
        },
      },
      options,
    );
  },

  /**
   * A boolean; Go's boolean strings (`"true"`, `"1"`, `"F"`, …) are accepted. With `anyText`, every
   * string is: a Go false word (`"false"`, `"0"`, `"F"`, …) is `false`, any other text `true`, as
   * Dkron's `debug` keys, which test for a non-empty value.
   */
  boolean(options?: BooleanOptions): ConfigSchema<boolean> {
    const anyText = options?.anyText === true;
    return make<boolean>(
      {
        expected: 'a boolean',
        json: { type: 'boolean' },
        text: anyText ? { type: 'string' } : { type: 'string', enum: [...TRUE_WORDS, ...FALSE_WORDS] },
        convert(input, path) {
          if (typeof input === 'boolean') return input;
          if (typeof input === 'string' && FALSE_WORDS.has(input)) return false;
          if (typeof input === 'string' && (anyText || TRUE_WORDS.has(input))) return true;
          throw invalid(path, 'a boolean', input);
        },
      },
      options,
    );
  },

  /**
   * A Go duration (`"30s"`, `"1h30m"`) parsed to milliseconds; a bare number, or a string of digits,
   * means seconds (Dkron's http `timeout`). With `min` (in ms) of 0 or more, negative durations are
   * refused, and the published pattern says so.
   */
  duration(options?: SchemaOptions & { readonly min?: number }): ConfigSchema<number> {
    const min = options?.min;
    const text = min !== undefined && min >= 0 ? UNSIGNED_DURATION_TEXT : DURATION_TEXT;
    const expected = 'a duration like "30s" or "1h30m", or a number of seconds';
    return make<number>(
      {
        expected,
        // A bare number is seconds, as a bare numeric string is.
        json: { type: 'number', ...(min === undefined ? {} : { minimum: min / 1000 }) },
        text: { type: 'string', pattern: text.source, format: 'go-duration' },
        toInput: msToGoDuration,
        convert(input, path) {
          const ms =
            typeof input === 'number'
              ? input * 1000
              : typeof input === 'string' && DURATION_TEXT.test(input)
                ? goDurationToMs(input)
                : undefined;
          if (ms === undefined || !Number.isFinite(ms)) throw invalid(path, expected, input);
          // "-0s" is -0 ms, not below 0, but the published pattern refuses every negative duration.
          const negative = typeof input === 'string' && input.startsWith('-');
          if (min !== undefined && (ms < min || (min >= 0 && negative))) {
            throw invalid(path, `a duration of at least ${min} ms`, input);
          }
          return ms;
        },
      },
      options,
    );
  },

  /** One of the given strings. */
  enum<const V extends readonly [string, ...string[]]>(
    values: V,
    options?: SchemaOptions,
  ): ConfigSchema<V[number]> {
    const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
    return make<V[number]>(
      {
        expected,
        acceptsEmpty: values.includes(''),
        json: { type: 'string', enum: [...values] },
        convert(input, path) {
          if (typeof input === 'string' && (values as readonly string[]).includes(input)) return input;
          throw invalid(path, expected, input);
        },
      },
      options,
    );
  },

  /**
   * A key whose value converts to something the other builders do not give (a URL, a list of header
   * pairs, a compiled pattern), checked when the job is saved. `""`, `null` and absent mean unset, as
   * for every non-string schema (unless `acceptsEmpty`); `convert` sees only present values. Publish in
   * `json` (and `text`) exactly what `convert` accepts.
   *
   * @example
   * ```ts
   * const url = c.custom({
   *   expected: 'an http:// or https:// URL',
   *   json: { type: 'string', pattern: '^https?://' },
   *   convert: (input) =>
   *     typeof input === 'string' && /^https?:\/\//.test(input) && URL.canParse(input)
   *       ? { ok: true, value: new URL(input) }
   *       : { ok: false },
   * });
   * url.parse('ftp://x', 'executor_config.url');
   * // throws CONFIG_INVALID: executor_config.url: expected an http:// or https:// URL, got "ftp://x"
   * ```
   */
  custom<T>(spec: CustomSpec<T>): ConfigSchema<T> {
    return make<T>(
      {
        expected: spec.expected,
        acceptsEmpty: spec.acceptsEmpty === true,
        json: spec.json,
        ...(spec.text === undefined ? {} : { text: spec.text }),
        ...(spec.toInput === undefined ? {} : { toInput: spec.toInput }),
        convert(input, path) {
          const result = spec.convert(input);
          if (result.ok) return result.value;
          if (result.message === undefined) throw invalid(path, spec.expected, input);
          throw new DkronError('CONFIG_INVALID', `${path}: ${result.message}`, { details: { field: path } });
        },
      },
      spec,
    );
  },

  /**
   * A list. A JSON array, or a string holding a JSON array (Dkron's `headers: "[\"A: b\"]"`).
   */
  array<T>(item: ConfigSchema<T, boolean>, options?: SchemaOptions): ConfigSchema<T[]> {
    return make<T[]>(
      {
        expected: 'a list',
        json: { type: 'array', items: item.toJSONSchema() },
        text: JSON_TEXT,
        convert(input, path) {
          let list: unknown = input;
          if (typeof input === 'string') {
            try {
              list = JSON.parse(input);
            } catch {
              throw invalid(path, 'a JSON array', input);
            }
          }
          if (!Array.isArray(list)) throw invalid(path, 'a list', input);
          return list.map((v, i) => item.parse(v, `${path}[${i}]`));
        },
      },
      options,
    );
  },

  /** A map of string keys to values of one schema; a string holding a JSON object is accepted. */
  record<T>(value: ConfigSchema<T, boolean>, options?: SchemaOptions): ConfigSchema<Record<string, T>> {
    return make<Record<string, T>>(
      {
        expected: 'an object',
        json: { type: 'object', additionalProperties: value.toJSONSchema() },
        text: JSON_TEXT,
        convert(input, path) {
          const obj = toObject(input, path);
          const out: Record<string, T> = {};
          for (const [k, v] of Object.entries(obj)) out[k] = value.parse(v, `${path}.${k}`);
          return out;
        },
      },
      options,
    );
  },

  /**
   * An object with declared keys. Unknown keys are ignored by default (Dkron ignores them);
   * pass `unknownKeys: 'reject'` to refuse them with a message naming the key, and `check` for a rule
   * across keys.
   *
   * @example
   * ```ts
   * const tls = c.object(
   *   { cert: c.string().default(''), key: c.string().default('') },
   *   { check: (v) => (v.cert !== '' && v.key === '' ? { key: 'key', message: 'is required with cert' } : undefined) },
   * );
   * tls.parse({ cert: '/c.pem' }, 'executor_config');
   * // throws CONFIG_INVALID: executor_config.key: is required with cert
   * ```
   */
  object<S extends Shape>(shape: S, options?: ObjectOptions<S>): ObjectConfigSchema<S> {
    const required = Object.entries(shape)
      .filter(([, s]) => !s.isOptional)
      .map(([k]) => k);
    const schema = make<InferShape<S>>(
      {
        expected: 'an object',
        json: {
          type: 'object',
          properties: Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.toJSONSchema()])),
          ...(required.length > 0 ? { required } : {}),
          additionalProperties: options?.unknownKeys !== 'reject',
        },
        convert(input, path) {
          const obj = toObject(input, path);
          if (options?.unknownKeys === 'reject') {
            for (const key of Object.keys(obj)) {
              if (!Object.hasOwn(shape, key)) {
                throw new DkronError('CONFIG_INVALID', `${path}.${key}: unknown key`, {
                  details: { field: `${path}.${key}` },
                });
              }
            }
          }
          const out: Record<string, unknown> = {};
          for (const [key, s] of Object.entries(shape)) {
            const v = s.parse(obj[key], `${path}.${key}`);
            if (v !== undefined) out[key] = v;
          }
          const problem = options?.check?.(out as InferShape<S>);
          if (problem !== undefined) {
            const field = `${path}.${problem.key}`;
            throw new DkronError('CONFIG_INVALID', `${field}: ${problem.message}`, { details: { field } });
          }
          return out as InferShape<S>;
        },
      },
      options,
    );
    return Object.assign(schema, { shape });
  },
};

function toObject(input: unknown, path: string): Record<string, unknown> {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw invalid(path, 'a JSON object', input);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'an object', input);
  return value as Record<string, unknown>;
}
