import { goDurationToMs } from '@dkron-core/plugin-api';
import { type Conversion, customSchema, shown } from './custom-schema.js';

const TEXT = '^\\s*(\\d+(\\.\\d+)?|((\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)\\s*$';

/** A timeout: a number of seconds (`30`, `"30"`, Dkron's form) or a Go duration (`"1m30s"`), in ms. */
export function parseTimeout(input: unknown): Conversion<number> {
  const ms =
    typeof input === 'number'
      ? input * 1000
      : typeof input === 'string' && new RegExp(TEXT).test(input)
        ? goDurationToMs(input.trim())
        : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return {
      ok: false,
      message: `expected a number of seconds or a duration like "30s", got ${shown(input)}`,
    };
  }
  return { ok: true, value: ms };
}

/** A `timeout` key in seconds or as a Go duration, `defaultSeconds` when unset; `0` means no timeout. */
export function timeoutSchema(defaultSeconds: number, description: string) {
  return customSchema<number>(
    {
      json: {
        anyOf: [
          { type: 'number', minimum: 0 },
          { type: 'string', pattern: TEXT },
        ],
      },
      convert: parseTimeout,
    },
    description,
    { value: defaultSeconds * 1000, json: defaultSeconds },
  );
}
