import { DkronError, isDkronError, type JsonSchema } from '@dkron-core/plugin-api';
import { errorMessage } from './bind-logger.js';

/** The part of a config schema the host uses. */
export interface ParsingSchema {
  parse(input: unknown, path?: string): unknown;
  toJSONSchema(): JsonSchema;
}

/**
 * Parses a stored config with its schema (Dkron stores `null` for "no config"). Any failure becomes a
 * `VALIDATION` error whose message and `details.field` name the key, e.g.
 * `executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds, got "forever"`.
 */
export function parseConfig(schema: ParsingSchema, input: unknown, path: string): Record<string, unknown> {
  try {
    return schema.parse(input ?? {}, path) as Record<string, unknown>;
  } catch (thrown) {
    throw toValidationError(thrown, path);
  }
}

function toValidationError(thrown: unknown, path: string): DkronError {
  if (isDkronError(thrown)) {
    return new DkronError('VALIDATION', thrown.message, {
      details: { ...thrown.details, field: thrown.details.field ?? path },
      cause: thrown,
    });
  }
  // A third-party schema that throws something else still says where it failed.
  return new DkronError('VALIDATION', `${path}: ${errorMessage(thrown)}`, {
    details: { field: path },
    cause: thrown,
  });
}

/**
 * Exports a schema as plain JSON once, at registration: a schema that cannot be exported fails the
 * start instead of the first `GET /v1/plugins`.
 */
export function exportSchema(schema: ParsingSchema): JsonSchema {
  const json: unknown = JSON.parse(JSON.stringify(schema.toJSONSchema()));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('toJSONSchema() must return an object');
  }
  return json as JsonSchema;
}
