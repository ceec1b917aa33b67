import { describe, expect, it } from 'vitest';
import { asBoolean, kindOf } from './SchemaFields';

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

// The shapes @dkron-core/plugin-api publishes for its builders (`c.duration`, `c.number`, …), with the
// text forms of Dkron's string-typed configs as a second `anyOf` variant.
const duration = {
  anyOf: [
    { type: 'number', minimum: 0 },
    {
      type: 'string',
      pattern: '^\\s*(0|[-+]?(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+\\s*$',
      format: 'go-duration',
    },
  ],
};
const number = {
  anyOf: [
    { type: 'number' },
    { type: 'string', pattern: '^\\s*[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?\\s*$' },
  ],
};
const integer = {
  anyOf: [
    { type: 'integer', minimum: 1 },
    { type: 'string', pattern: '^\\s*[-+]?\\d+\\s*$' },
  ],
};
const size = {
  anyOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^(\\d+(\\.\\d+)?|\\.\\d+)\\s*([KMGTkmgt][Bb]?|[Bb])?$' },
  ],
};

describe('kindOf with the text forms of units', () => {
  it('gives a text input to values with units, which a number input cannot hold', () => {
    expect(kindOf(duration)).toBe('string');
    expect(kindOf(size)).toBe('string');
    // Shell's mem_limit as main's plugin kit publishes it (c.custom with a size pattern).
    const memLimit = {
      anyOf: [
        { type: 'number', minimum: 1 },
        {
          type: 'string',
          pattern:
            '^(0*[1-9]\\d*(\\.\\d+)?\\s*[Bb]?|(\\d*[1-9]\\d*(\\.\\d+)?|\\d*\\.\\d*[1-9]\\d*)\\s*[KMGTkmgt][Bb]?)$',
        },
      ],
    };
    expect(kindOf(memLimit)).toBe('string');
    expect(kindOf({ type: ['number', 'string'] })).toBe('string');
  });

  it('gives a number input to numbers whose only text form is a number', () => {
    expect(kindOf(number)).toBe('number');
    expect(kindOf(integer)).toBe('number');
    expect(kindOf({ type: 'integer' })).toBe('number');
  });

  it('reads booleans (with their string words), enums, objects and strings', () => {
    expect(kindOf({ anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] })).toBe(
      'boolean',
    );
    expect(kindOf({ type: 'string', enum: ['GET', 'POST'] })).toBe('enum');
    expect(kindOf({ type: 'object', properties: { a: { type: 'string' } } })).toBe('object');
    expect(kindOf({ type: 'object' })).toBe('string');
    expect(kindOf({ type: 'string' })).toBe('string');
    expect(kindOf({})).toBe('string');
  });

  it('reads Dkron`s string booleans', () => {
    expect(['true', 'T', '1', true].map(asBoolean)).toEqual([true, true, true, true]);
    expect(['false', '0', '', false, undefined].map(asBoolean)).toEqual([false, false, false, false, false]);
  });
});
