import { type ConfigSchema, DkronError, type JsonSchema } from '@dkron-core/plugin-api';

/** How a text value converts: the value, or the reason it is invalid (shown after the key). */
export type Conversion<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

interface Spec<T> {
  /** The published JSON Schema; it must admit numbers exactly when `numbers` is set. */
  readonly json: JsonSchema;
  /** Also accept a JSON number (converted to its text). Default: strings only. */
  readonly numbers?: boolean;
  convert(text: string): Conversion<T>;
}

/**
 * An optional config key whose text (Dkron sends every value as a string) converts to a richer value,
 * validated when the job is saved rather than when it runs. Absent, `null` and `""` mean unset.
 */
export function textSchema<T>(spec: Spec<T>, description?: string): ConfigSchema<T | undefined, true> {
  return new TextSchema(spec, description, { has: false });
}

class TextSchema<T> implements ConfigSchema<T | undefined, true> {
  declare readonly __opt?: true;
  readonly isOptional = true;

  constructor(
    private readonly spec: Spec<T>,
    private readonly description: string | undefined,
    private readonly fallback: { has: boolean; value?: T | undefined },
  ) {}

  optional(): ConfigSchema<T | undefined, true> {
    return this;
  }

  default(value: T | undefined): ConfigSchema<T | undefined, true> {
    return new TextSchema(this.spec, this.description, { has: true, value });
  }

  describe(description: string): ConfigSchema<T | undefined, true> {
    return new TextSchema(this.spec, description, this.fallback);
  }

  parse(input: unknown, path = 'value'): T | undefined {
    if (input === undefined || input === null || input === '') return this.fallback.value;
    if (typeof input !== 'string' && !(this.spec.numbers === true && typeof input === 'number')) {
      throw invalid(path, `expected a string, got ${JSON.stringify(input) ?? String(input)}`);
    }
    const result = this.spec.convert(String(input));
    if (!result.ok) throw invalid(path, result.message);
    return result.value;
  }

  toJSONSchema(): JsonSchema {
    return {
      ...this.spec.json,
      ...(this.description === undefined ? {} : { description: this.description }),
      ...(this.fallback.has && this.fallback.value !== undefined ? { default: this.fallback.value } : {}),
    };
  }
}

function invalid(path: string, message: string): DkronError {
  return new DkronError('CONFIG_INVALID', `${path}: ${message}`, { details: { field: path } });
}
