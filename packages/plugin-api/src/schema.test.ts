import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { isDkronError } from './errors.js';
import { type ConfigSchema, c, goDurationToMs, msToGoDuration } from './schema.js';

function parseError(run: () => unknown): { code: string; message: string; field: unknown } {
  try {
    run();
  } catch (error) {
    if (!isDkronError(error)) throw error;
    return { code: error.code, message: error.message, field: error.details.field };
  }
  throw new Error('expected a parse error');
}

describe('goDurationToMs', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['2us', 0.002],
    ['2µs', 0.002],
    ['-1m', -60_000],
    ['30', 30_000],
    ['2.5', 2500],
    [' 10s ', 10_000],
  ])('%j → %d ms', (text, ms) => {
    expect(goDurationToMs(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', 'abc', '1d', '10 s', 's', '1h-30m'])('%j is not a duration', (text) => {
    expect(goDurationToMs(text)).toBeUndefined();
  });
});

describe('c.string', () => {
  it('accepts strings only, as its published type says', () => {
    expect(c.string().parse('echo hi')).toBe('echo hi');
    expect(c.string().parse('')).toBe('');
    expect(parseError(() => c.string().parse(30, 'k')).message).toBe('k: expected a string, got 30');
    expect(parseError(() => c.string().parse(true, 'k')).message).toBe('k: expected a string, got true');
  });

  it('refuses other values, naming the path', () => {
    expect(parseError(() => c.string().parse({ a: 1 }, 'executor_config.command'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.command: expected a string, got {"a":1}',
      field: 'executor_config.command',
    });
    expect(parseError(() => c.string().parse(['x'])).message).toBe('value: expected a string, got ["x"]');
  });

  it('checks minLength and pattern', () => {
    expect(parseError(() => c.string({ minLength: 3 }).parse('ab', 'k')).message).toBe(
      'k: expected at least 3 characters, got "ab"',
    );
    expect(parseError(() => c.string({ pattern: /^[A-Z]+$/ }).parse('abc', 'k')).message).toBe(
      'k: expected a value matching /^[A-Z]+$/, got "abc"',
    );
    expect(c.string({ pattern: /^[A-Z]+$/ }).parse('ABC')).toBe('ABC');
  });

  it('exports JSON Schema', () => {
    expect(c.string({ minLength: 1, pattern: /^a/, description: 'd' }).toJSONSchema()).toEqual({
      type: 'string',
      minLength: 1,
      pattern: '^a',
      description: 'd',
    });
  });
});

describe('c.number', () => {
  it('accepts numbers and numeric strings', () => {
    expect(c.number().parse(1.5)).toBe(1.5);
    expect(c.number().parse('30')).toBe(30);
    expect(c.number().parse(' 2.5 ')).toBe(2.5);
    expect(c.number({ integer: true }).parse('7')).toBe(7);
  });

  it('refuses non-numbers, non-integers and out-of-range values with the path', () => {
    expect(parseError(() => c.number().parse('abc', 'executor_config.timeout'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.timeout: expected a number, got "abc"',
      field: 'executor_config.timeout',
    });
    expect(parseError(() => c.number().parse('  ', 'n')).message).toBe('n: expected a number, got "  "');
    expect(parseError(() => c.number().parse(true, 'n')).message).toBe('n: expected a number, got true');
    expect(parseError(() => c.number().parse('Infinity', 'n')).message).toBe(
      'n: expected a number, got "Infinity"',
    );
    expect(parseError(() => c.number({ integer: true }).parse('1.5', 'n')).message).toBe(
      'n: expected an integer, got "1.5"',
    );
    expect(parseError(() => c.number({ min: 1 }).parse(0, 'n')).message).toBe(
      'n: expected a number >= 1, got 0',
    );
    expect(parseError(() => c.number({ max: 10 }).parse('11', 'n')).message).toBe(
      'n: expected a number <= 10, got "11"',
    );
  });

  it('refuses numeric strings Number() would take but a person does not mean', () => {
    for (const odd of ['0x10', '0b1', '1_000', '1,5']) {
      expect(parseError(() => c.number().parse(odd, 'n')).message).toBe(`n: expected a number, got "${odd}"`);
    }
    expect(parseError(() => c.number({ integer: true }).parse('1e3', 'n')).message).toBe(
      'n: expected an integer, got "1e3"',
    );
    expect(c.number().parse('1e3')).toBe(1000);
  });

  it('exports JSON Schema accepting the number and its string form (Dkron sends "3")', () => {
    expect(c.number({ integer: true, min: 0, max: 5 }).toJSONSchema()).toEqual({
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 5 },
        // min >= 0: no minus sign in the text form either.
        { type: 'string', pattern: '^\\s*\\+?\\d+\\s*$' },
      ],
    });
    const integer = c.number({ integer: true }).toJSONSchema() as { anyOf: [unknown, { pattern: string }] };
    const pattern = new RegExp(integer.anyOf[1].pattern);
    for (const ok of ['3', ' 3 ', '-7', '+0']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['3.5', '1e3', 'x', '']) expect(pattern.test(bad), bad).toBe(false);
    expect(c.number().toJSONSchema()).toMatchObject({ anyOf: [{ type: 'number' }, { type: 'string' }] });
  });
});

describe('c.boolean', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['t', true],
    ['1', true],
    ['false', false],
    ['F', false],
    ['0', false],
  ])('%j → %s (Go strconv.ParseBool)', (input, value) => {
    expect(c.boolean().parse(input)).toBe(value);
  });

  it('refuses other words', () => {
    expect(parseError(() => c.boolean().parse('yes', 'executor_config.shell')).message).toBe(
      'executor_config.shell: expected a boolean, got "yes"',
    );
    expect(parseError(() => c.boolean().parse(1, 'b')).message).toBe('b: expected a boolean, got 1');
  });

  it('with anyText, takes every string: a Go false word is false, other text true (Dkron debug)', () => {
    const debug = c.boolean({ anyText: true }).default(false);
    for (const on of ['true', 'yes', 'x', '1', true]) expect(debug.parse(on), String(on)).toBe(true);
    for (const off of ['false', '0', 'F', 'False', false, '', undefined]) {
      expect(debug.parse(off), String(off)).toBe(false);
    }
    expect(parseError(() => debug.parse(1, 'debug')).message).toBe('debug: expected a boolean, got 1');
    expect(debug.toJSONSchema()).toEqual({
      anyOf: [{ type: 'boolean' }, { type: 'string' }],
      default: false,
    });
  });

  it('exports JSON Schema accepting booleans and Go boolean strings', () => {
    const schema = c.boolean().toJSONSchema() as { anyOf: Array<{ type: string; enum?: string[] }> };
    expect(schema.anyOf[0]).toEqual({ type: 'boolean' });
    expect(schema.anyOf[1]?.enum).toContain('true');
    expect(schema.anyOf[1]?.enum).toContain('0');
    expect(schema.anyOf[1]?.enum).not.toContain('');
    const optional = c.boolean().default(false).toJSONSchema() as { anyOf: Array<{ enum?: string[] }> };
    expect(optional.anyOf[1]?.enum).toContain('');
  });
});

describe('c.duration', () => {
  it('parses Go durations to ms; a bare number means seconds', () => {
    expect(c.duration().parse('1h30m')).toBe(5_400_000);
    expect(c.duration().parse('30s')).toBe(30_000);
    expect(c.duration().parse('30')).toBe(30_000);
    expect(c.duration().parse(30)).toBe(30_000);
    expect(c.duration().parse('0')).toBe(0);
  });

  it('refuses other values and enforces min', () => {
    expect(parseError(() => c.duration().parse('forever', 'executor_config.timeout'))).toEqual({
      code: 'CONFIG_INVALID',
      message:
        'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds, got "forever"',
      field: 'executor_config.timeout',
    });
    expect(parseError(() => c.duration().parse(true, 'd')).field).toBe('d');
    expect(parseError(() => c.duration({ min: 1000 }).parse('500ms', 'd')).message).toBe(
      'd: expected a duration of at least 1000 ms, got "500ms"',
    );
  });

  it('exports a JSON Schema whose pattern accepts what parse accepts', () => {
    const schema = c.duration().toJSONSchema() as {
      anyOf: [{ type: string }, { pattern: string; format: string }];
    };
    expect(schema.anyOf[0]).toEqual({ type: 'number' });
    expect(schema.anyOf[1].format).toBe('go-duration');
    const pattern = new RegExp(schema.anyOf[1].pattern);
    for (const ok of ['30s', '1h30m', '1.5s', '0', '30', '-1m']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['forever', '1d', '']) expect(pattern.test(bad), bad).toBe(false);
  });

  it('publishes its default as a duration string that parses back to the same value', () => {
    // Was: `default: 500` (ms) on a string field; a form sending it back meant 500 s.
    for (const ms of [500, 30_000, 1500, 5_400_000, 0, 90_061_000, 0.25]) {
      const schema = c.duration().default(ms);
      const published = schema.toJSONSchema().default;
      expect(typeof published).toBe('string');
      expect(schema.parse(published)).toBeCloseTo(ms, 9);
    }
    expect(c.duration().default(500).toJSONSchema().default).toBe('500ms');
    expect(c.duration().default(5_400_000).toJSONSchema().default).toBe('1h30m0s');
  });

  it('publishes min in seconds for the bare-number form', () => {
    expect(c.duration({ min: 1000 }).toJSONSchema()).toMatchObject({ anyOf: [{ minimum: 1 }, {}] });
  });

  it('refuses negative durations with min >= 0, in its pattern too', () => {
    const timeout = c.duration({ min: 0 });
    expect(parseError(() => timeout.parse('-1s', 't')).message).toBe(
      't: expected a duration of at least 0 ms, got "-1s"',
    );
    expect(parseError(() => timeout.parse('-0s', 't')).field).toBe('t');
    expect(parseError(() => timeout.parse(-1, 't')).field).toBe('t');
    const pattern = (timeout.toJSONSchema() as { anyOf: [unknown, { pattern: string }] }).anyOf[1].pattern;
    for (const bad of ['-1s', '-0s']) expect(new RegExp(pattern).test(bad), bad).toBe(false);
    expect(timeout.parse('+2s')).toBe(2000);
  });

  it('refuses the surrounding spaces its pattern refuses', () => {
    expect(parseError(() => c.duration().parse(' 10s ', 't')).field).toBe('t');
  });
});

describe('msToGoDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m0s'],
    [-60_000, '-1m0s'],
    [0.002, '2us'],
  ])('%d ms → %s', (ms, text) => {
    expect(msToGoDuration(ms)).toBe(text);
    expect(goDurationToMs(text)).toBeCloseTo(ms, 9);
  });
});

describe('c.enum', () => {
  it('accepts only the listed strings', () => {
    const method = c.enum(['GET', 'POST']);
    expect(method.parse('GET')).toBe('GET');
    expect(parseError(() => method.parse('get', 'executor_config.method'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.method: expected one of "GET", "POST", got "get"',
      field: 'executor_config.method',
    });
    expect(method.toJSONSchema()).toEqual({ type: 'string', enum: ['GET', 'POST'] });
    // Optional: "" means unset, so the schema admits it.
    expect(method.optional().toJSONSchema()).toEqual({ type: 'string', enum: ['GET', 'POST', ''] });
    expect(c.enum(['', 'a']).optional().toJSONSchema()).toEqual({ type: 'string', enum: ['', 'a'] });
  });
});

describe('c.array', () => {
  it('accepts a list or a string holding a JSON list (Dkron headers)', () => {
    expect(c.array(c.string()).parse(['A: b'])).toEqual(['A: b']);
    expect(c.array(c.string()).parse('["A: b", "C: d"]')).toEqual(['A: b', 'C: d']);
    expect(c.array(c.number()).parse(['1', 2])).toEqual([1, 2]);
  });

  it('names the index of a bad item and refuses non-lists', () => {
    expect(parseError(() => c.array(c.number()).parse([1, 'x'], 'executor_config.codes'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.codes[1]: expected a number, got "x"',
      field: 'executor_config.codes[1]',
    });
    expect(parseError(() => c.array(c.string()).parse('[oops', 'h')).message).toBe(
      'h: expected a JSON array, got "[oops"',
    );
    expect(parseError(() => c.array(c.string()).parse('{"a":1}', 'h')).message).toBe(
      'h: expected a list, got "{\\"a\\":1}"',
    );
    expect(parseError(() => c.array(c.string()).parse(5, 'h')).message).toBe('h: expected a list, got 5');
  });

  it('exports JSON Schema accepting a list and a string holding one', () => {
    expect(c.array(c.string()).optional().toJSONSchema()).toEqual({
      anyOf: [
        { type: 'array', items: { type: 'string' } },
        { type: 'string', contentMediaType: 'application/json' },
      ],
    });
    // Required: "" is refused ("is required"), and so is it by the string form.
    expect(c.array(c.string()).toJSONSchema()).toMatchObject({ anyOf: [{}, { minLength: 1 }] });
  });
});

describe('c.record', () => {
  it('accepts an object or a string holding a JSON object', () => {
    expect(c.record(c.string()).parse({ A: '1', B: '2' })).toEqual({ A: '1', B: '2' });
    expect(c.record(c.number()).parse('{"a":"1"}')).toEqual({ a: 1 });
  });

  it('names the key of a bad value', () => {
    expect(parseError(() => c.record(c.number()).parse({ a: 'x' }, 'env')).message).toBe(
      'env.a: expected a number, got "x"',
    );
    expect(parseError(() => c.record(c.string()).parse([], 'env')).message).toBe(
      'env: expected an object, got []',
    );
    expect(parseError(() => c.record(c.string()).parse('nope', 'env')).message).toBe(
      'env: expected a JSON object, got "nope"',
    );
  });

  it('exports JSON Schema', () => {
    expect(c.record(c.boolean()).toJSONSchema()).toMatchObject({
      anyOf: [{ type: 'object', additionalProperties: { anyOf: [{ type: 'boolean' }, {}] } }, {}],
    });
  });
});

describe('c.object', () => {
  const shell = c.object({
    command: c.string(),
    shell: c.boolean().default(false),
    timeout: c.duration().optional(),
    env: c.record(c.string()).default({}),
  });

  it('parses a Dkron executor_config of strings into typed values', () => {
    expect(shell.parse({ command: 'echo', shell: 'true', timeout: '1h30m' }, 'executor_config')).toEqual({
      command: 'echo',
      shell: true,
      timeout: 5_400_000,
      env: {},
    });
  });

  it('applies defaults for absent, null and "" values; optional keys stay absent', () => {
    const parsed = shell.parse({ command: 'x', shell: '', env: null });
    expect(parsed).toEqual({ command: 'x', shell: false, env: {} });
    expect(parsed).not.toHaveProperty('timeout');
  });

  it('treats "" as unset for optional non-string values (Dkron writes "" for unset)', () => {
    expect(shell.parse({ command: 'x', timeout: '' })).toEqual({ command: 'x', shell: false, env: {} });
    const schema = c.object({
      n: c.number().optional(),
      b: c.boolean().optional(),
      list: c.array(c.string()).optional(),
      map: c.record(c.string()).optional(),
      mode: c.enum(['a', 'b']).optional(),
      s: c.string().optional(),
    });
    expect(schema.parse({ n: '', b: '', list: '', map: '', mode: '', s: '' })).toEqual({ s: '' });
  });

  it('refuses a missing required key, naming it', () => {
    expect(parseError(() => shell.parse({}, 'executor_config'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.command: is required (a string)',
      field: 'executor_config.command',
    });
    expect(parseError(() => c.object({ n: c.number() }).parse({ n: '' }, 'cfg')).message).toBe(
      'cfg.n: is required (a number)',
    );
  });

  it('names the nested path of a bad value', () => {
    const nested = c.object({ tls: c.object({ verify: c.boolean() }) });
    expect(parseError(() => nested.parse({ tls: { verify: 'maybe' } }, 'executor_config')).message).toBe(
      'executor_config.tls.verify: expected a boolean, got "maybe"',
    );
  });

  it('ignores unknown keys by default and rejects them on request', () => {
    expect(c.object({ a: c.string() }).parse({ a: 'x', extra: 1 })).toEqual({ a: 'x' });
    expect(
      parseError(() =>
        c.object({ a: c.string() }, { unknownKeys: 'reject' }).parse({ a: 'x', extra: 1 }, 'cfg'),
      ),
    ).toEqual({ code: 'CONFIG_INVALID', message: 'cfg.extra: unknown key', field: 'cfg.extra' });
  });

  it('accepts a string holding a JSON object', () => {
    expect(c.object({ a: c.number() }).parse('{"a":"3"}')).toEqual({ a: 3 });
  });

  it('refuses a non-object', () => {
    expect(parseError(() => shell.parse(['x'], 'executor_config')).message).toBe(
      'executor_config: expected an object, got ["x"]',
    );
  });

  it('exposes its shape and exports JSON Schema with required keys and defaults', () => {
    expect(Object.keys(shell.shape)).toEqual(['command', 'shell', 'timeout', 'env']);
    const json = shell.toJSONSchema() as Record<string, unknown> & {
      properties: Record<string, Record<string, unknown>>;
    };
    expect(json.type).toBe('object');
    expect(json.required).toEqual(['command']);
    expect(json.additionalProperties).toBe(true);
    expect(json.properties.shell?.default).toBe(false);
    expect(json.properties.env?.default).toEqual({});
    expect(json.properties.command).toEqual({ type: 'string' });
    expect(c.object({ a: c.string().optional() }, { unknownKeys: 'reject' }).toJSONSchema()).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: false,
    });
  });
});

describe('c.object check', () => {
  const tls = c.object(
    { cert: c.string().default(''), key: c.string().default(''), port: c.number().default(443) },
    {
      check: (v) =>
        v.cert !== '' && v.key === '' ? { key: 'key', message: 'is required with cert' } : undefined,
    },
  );

  it('refuses a value that breaks a rule across keys, naming the key the rule returns', () => {
    expect(parseError(() => tls.parse({ cert: '/c.pem' }, 'executor_config'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.key: is required with cert',
      field: 'executor_config.key',
    });
  });

  it('runs after every key parsed, on the typed values', () => {
    expect(tls.parse({ cert: '/c.pem', key: '/k.pem', port: '8443' })).toEqual({
      cert: '/c.pem',
      key: '/k.pem',
      port: 8443,
    });
    expect(parseError(() => tls.parse({ cert: '/c.pem', port: 'x' }, 'cfg')).field).toBe('cfg.port');
  });

  it('keeps the shape and the JSON Schema of the object', () => {
    expect(Object.keys(tls.shape)).toEqual(['cert', 'key', 'port']);
    expect(tls.toJSONSchema()).toMatchObject({ type: 'object', properties: { cert: { default: '' } } });
  });
});

describe('c.custom', () => {
  const codes = c.custom<number[]>({
    expected: 'status codes like "200,204"',
    description: 'Accepted codes.',
    json: { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 } },
    text: { type: 'string', pattern: '^[1-5]\\d\\d(,[1-5]\\d\\d)*$' },
    toInput: (value) => value.join(','),
    convert(input) {
      const list = typeof input === 'string' ? input.split(',') : input;
      if (!Array.isArray(list)) return { ok: false };
      const out: number[] = [];
      for (const item of list) {
        const n = typeof item === 'number' ? item : /^[1-5]\d\d$/.test(String(item)) ? Number(item) : NaN;
        if (!Number.isInteger(n) || n < 100 || n > 599)
          return { ok: false, message: `${item} is not a code` };
        out.push(n);
      }
      return { ok: true, value: out };
    },
  });

  it('converts native values and Dkron strings alike', () => {
    expect(codes.parse([200, 204])).toEqual([200, 204]);
    expect(codes.parse('200,204')).toEqual([200, 204]);
  });

  it('refuses with its expected text, or with the message convert gives', () => {
    expect(parseError(() => codes.parse(true, 'executor_config.codes'))).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.codes: expected status codes like "200,204", got true',
      field: 'executor_config.codes',
    });
    expect(parseError(() => codes.parse('200,700', 'c')).message).toBe('c: 700 is not a code');
    expect(parseError(() => codes.parse(undefined, 'c')).message).toBe(
      'c: is required (status codes like "200,204")',
    );
  });

  it('treats "", null and absent as unset, and never calls convert with them', () => {
    let calls = 0;
    const counted = c
      .custom<string>({
        expected: 'x',
        json: { type: 'string' },
        convert: (input) => {
          calls += 1;
          return { ok: true, value: String(input) };
        },
      })
      .optional();
    for (const unset of ['', null, undefined]) expect(counted.parse(unset)).toBeUndefined();
    expect(calls).toBe(0);
    expect(codes.default([200]).parse('')).toEqual([200]);
  });

  it('with acceptsEmpty, hands "" to convert as a value', () => {
    const present = c
      .custom<boolean>({
        expected: 'a boolean or any text',
        acceptsEmpty: true,
        json: { type: 'boolean' },
        text: { type: 'string' },
        convert: (input) => ({ ok: true, value: input !== false && input !== 'false' }),
      })
      .optional();
    expect(present.parse('')).toBe(true);
    expect(present.parse(undefined)).toBeUndefined();
    expect(present.parse(false)).toBe(false);
    expect(present.toJSONSchema()).toEqual({ anyOf: [{ type: 'boolean' }, { type: 'string' }] });
  });

  it('publishes its forms, its description and its default as a user types it', () => {
    expect(codes.default([200, 204]).toJSONSchema()).toEqual({
      anyOf: [
        { type: 'array', items: { type: 'integer', minimum: 100, maximum: 599 } },
        { type: 'string', pattern: '^$|^[1-5]\\d\\d(,[1-5]\\d\\d)*$' },
      ],
      description: 'Accepted codes.',
      default: '200,204',
    });
  });
});

describe('published JSON Schemas accept exactly what parse accepts', () => {
  const ajv = new Ajv2020({ strict: false });
  ajv.addFormat('go-duration', true);
  const accepts = (schema: ConfigSchema<unknown, boolean>, value: unknown): boolean => {
    try {
      schema.parse(value);
      return true;
    } catch (error) {
      if (!isDkronError(error, 'CONFIG_INVALID')) throw error;
      return false;
    }
  };
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const objectOnly = c.custom<object>({
    expected: 'an object',
    json: { type: 'object' },
    convert: (value) => (isObject(value) ? { ok: true, value: value as object } : { ok: false }),
  });
  // What JSON Schema cannot say, by design: whether a string holds valid JSON of the right shape
  // (`contentMediaType` is an annotation in draft 2020-12) and the numeric bounds of a number written
  // as a string. Those strings are checked by the server alone; they are left out of the comparison.
  const jsonText = (v: unknown) => typeof v === 'string' && v !== '';
  const outOfRangeText = (min: number, max: number) => (v: unknown) =>
    typeof v === 'string' && /^\s*\+?\d+\s*$/.test(v) && (Number(v) < min || Number(v) > max);
  const schemas: Array<[string, ConfigSchema<unknown, boolean>, ((v: unknown) => boolean)?]> = [
    ['string', c.string()],
    ['string minLength', c.string({ minLength: 1 })],
    ['defaulted string minLength', c.string({ minLength: 1 }).default('/var/log')],
    ['defaulted string pattern', c.string({ pattern: /^[a-z]+$/ }).default('abc')],
    ['optional string pattern', c.string({ pattern: /^[a-z]+$/ }).optional()],
    ['number', c.number()],
    ['optional number', c.number().optional()],
    ['integer 0-5', c.number({ integer: true, min: 0, max: 5 }), outOfRangeText(0, 5)],
    ['number >= 0', c.number({ min: 0 })],
    ['boolean', c.boolean()],
    ['defaulted boolean', c.boolean().default(false)],
    ['anyText boolean', c.boolean({ anyText: true })],
    ['optional anyText boolean', c.boolean({ anyText: true }).optional()],
    ['duration', c.duration()],
    ['duration min 0', c.duration({ min: 0 }).default(30_000)],
    ['enum', c.enum(['a', 'b'])],
    ['optional enum', c.enum(['a', 'b']).optional()],
    ['array', c.array(c.string()), jsonText],
    ['optional array', c.array(c.string()).optional(), jsonText],
    ['record', c.record(c.number()).default({}), jsonText],
    ['custom object', objectOnly],
    ['optional custom object', objectOnly.optional()],
    ['optional nested object', c.object({ a: c.string() }).optional(), jsonText],
  ];
  const values: unknown[] = [
    ...['', ' ', 'x', 'true', 'false', 'yes', 'F', '0', '1', '3', ' 3 ', '-3', '-0', '+4', '2.5', '1e3'],
    ...['0x10', '30s', ' 10s ', '-1s', '+2s', '-0s', '1h30m', 'a', 'b', '["x"]', '[1]', '{"a":1}', '[oops'],
    ...[0, 1, 3, -1, 2.5, 7, true, false, [], ['x'], [1], {}, { a: 'x' }, { a: 1 }],
  ];

  it.each(schemas)('%s', (_name, schema, unexpressible) => {
    const json = schema.toJSONSchema();
    const validate = ajv.compile(json);
    for (const value of values) {
      if (unexpressible?.(value)) continue;
      expect(validate(value), `${JSON.stringify(value)} against ${JSON.stringify(json)}`).toBe(
        accepts(schema, value),
      );
    }
  });
});

describe('schema modifiers', () => {
  it('are immutable', () => {
    const base = c.number();
    const optional = base.optional();
    const defaulted = base.default(5);
    const described = base.describe('seconds');
    expect(base.isOptional).toBe(false);
    expect(optional.isOptional).toBe(true);
    expect(defaulted.isOptional).toBe(true);
    expect(() => base.parse(undefined)).toThrow();
    expect(optional.parse(undefined)).toBeUndefined();
    expect(defaulted.parse(undefined)).toBe(5);
    expect(base.toJSONSchema()).not.toHaveProperty('default');
    expect(described.toJSONSchema()).toMatchObject({ description: 'seconds' });
    expect(defaulted.toJSONSchema()).toMatchObject({ default: 5 });
  });

  it('keeps a description across optional() and default()', () => {
    expect(c.string().describe('cmd').optional().toJSONSchema()).toEqual({
      type: 'string',
      description: 'cmd',
    });
    expect(c.string({ description: 'cmd' }).default('x').toJSONSchema()).toEqual({
      type: 'string',
      description: 'cmd',
      default: 'x',
    });
  });

  it('uses "value" as the path when none is given', () => {
    expect(parseError(() => c.number().parse(null)).message).toBe('value: is required (a number)');
  });
});
