import {
  type ConfigSchema,
  type ConfigShape,
  DkronError,
  type InferShape,
  type JsonSchema,
  type ObjectConfigSchema,
} from '@dkron-core/plugin-api';

/** How an input converts: the value, or why it is invalid (shown after the key's path). */
export type Conversion<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** What a {@link customSchema} needs: its JSON Schema and a conversion of present values. */
export interface CustomSpec<T> {
  /** What the server accepts, as JSON Schema (without `description` and `default`). */
  readonly json: JsonSchema;
  /** Converts a present value (never `undefined`, `null` or `""`). */
  convert(input: unknown): Conversion<T>;
}

/**
 * An optional key whose value converts to something richer than the `c.*` builders give (a header
 * list, a code matcher, a regular expression), checked when the job is saved. Absent, `null` and `""`
 * (Dkron's "unset") give `fallback`.
 */
export function customSchema<T>(
  spec: CustomSpec<T>,
  description: string,
  fallback: { readonly value: T; readonly json?: unknown } | undefined = undefined,
): ConfigSchema<T, true> {
  return new CustomSchema(spec, description, fallback);
}

/** Like {@link customSchema}, for a key that must be set: absent, `null` and `""` are refused. */
export function requiredSchema<T>(spec: CustomSpec<T>, description: string): ConfigSchema<T> {
  return new CustomSchema(spec, description, undefined, true) as unknown as ConfigSchema<T>;
}

class CustomSchema<T> implements ConfigSchema<T, true> {
  declare readonly __opt?: true;
  readonly isOptional: boolean;

  constructor(
    private readonly spec: CustomSpec<T>,
    private readonly description: string,
    private readonly fallback: { readonly value: T; readonly json?: unknown } | undefined,
    private readonly required = false,
  ) {
    this.isOptional = !required;
  }

  optional(): ConfigSchema<T | undefined, true> {
    return this as ConfigSchema<T | undefined, true>;
  }

  default(value: T): ConfigSchema<T, true> {
    return new CustomSchema(this.spec, this.description, { value });
  }

  describe(description: string): ConfigSchema<T, true> {
    return new CustomSchema(this.spec, description, this.fallback, this.required);
  }

  parse(input: unknown, path = 'value'): T {
    if (input === undefined || input === null || input === '') {
      if (this.required) {
        throw new DkronError('CONFIG_INVALID', `${path}: is required`, { details: { field: path } });
      }
      return this.fallback?.value as T;
    }
    const result = this.spec.convert(input);
    if (!result.ok) {
      throw new DkronError('CONFIG_INVALID', `${path}: ${result.message}`, { details: { field: path } });
    }
    return result.value;
  }

  toJSONSchema(): JsonSchema {
    return {
      ...this.spec.json,
      description: this.description,
      ...(this.fallback?.json === undefined ? {} : { default: this.fallback.json }),
    };
  }
}

/** `value` as JSON for messages, never throwing. */
export function shown(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A problem found across keys: the key to name and what is wrong. */
export interface KeyProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * `schema` with a check that needs several keys (a certificate without its key, say), run after every
 * key parsed; the error names the key the problem returns.
 */
export function refineObject<S extends ConfigShape>(
  schema: ObjectConfigSchema<S>,
  check: (value: InferShape<S>) => KeyProblem | undefined,
): ObjectConfigSchema<S> {
  const refined: ObjectConfigSchema<S> = Object.create(schema);
  return Object.assign(refined, {
    parse(input: unknown, path = 'value'): InferShape<S> {
      const value = schema.parse(input, path);
      const problem = check(value);
      if (problem !== undefined) {
        const field = `${path}.${problem.key}`;
        throw new DkronError('CONFIG_INVALID', `${field}: ${problem.message}`, { details: { field } });
      }
      return value;
    },
  });
}
