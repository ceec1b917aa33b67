import { describe, expect, it } from 'vitest';
import { kindOf } from './SchemaFields';

// The shapes `GET /v1/plugins` publishes (plugin-api's `c.*` schemas): native value or Dkron's string.
describe('kindOf', () => {
  it('makes a duration (seconds or a Go duration) a text field, so "30s" can be typed', () => {
    const duration = {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', pattern: '^$|^\\d+$', format: 'go-duration' },
      ],
      default: '0s',
    };
    expect(kindOf(duration)).toBe('string');
  });

  it('keeps numbers, booleans and enums in their own inputs', () => {
    expect(kindOf({ anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\d+$' }] })).toBe('number');
    expect(kindOf({ anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] })).toBe(
      'boolean',
    );
    expect(kindOf({ type: 'string', enum: ['GET', 'POST'] })).toBe('enum');
    expect(kindOf({ type: 'string' })).toBe('string');
  });
});
