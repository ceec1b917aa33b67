import { describe, expect, it } from 'vitest';
import { decodeBase64 } from './base64.js';

describe('decodeBase64', () => {
  it.each([
    ['aGVsbG8gc3RkaW4=', 'hello stdin'],
    ['aGVsbG8=', 'hello'],
    ['aGk=', 'hi'],
    ['aA==', 'h'],
    ['', ''],
    ['aGVs\nbG8=\r\n', 'hello'],
  ])('decodes %j', (text, decoded) => {
    expect((decodeBase64(text) as Buffer).toString()).toBe(decoded);
  });

  it.each([
    ['aGVsbG8', 'illegal base64 data at input byte 7'],
    ['aGV$bG8=', 'illegal base64 data at input byte 3'],
    ['aGVsbG8=aGk=', 'illegal base64 data at input byte 8'],
    ['a===', 'illegal base64 data at input byte 1'],
    ['aGVs bG8=', 'illegal base64 data at input byte 4'],
    ['aGVsbG8-', 'illegal base64 data at input byte 7'],
  ])('refuses %j', (text, message) => {
    expect(decodeBase64(text)).toBe(message);
  });
});

describe('the published pattern of payload', () => {
  it('accepts exactly what decodeBase64 accepts', async () => {
    const { shellConfig } = await import('./config.js');
    const schema = shellConfig.toJSONSchema() as { properties: { payload: { pattern: string } } };
    const pattern = new RegExp(schema.properties.payload.pattern);
    const samples = [
      '',
      'YQ==',
      'YWI=',
      'YWJj',
      'YW\nJj',
      'YWJj\r\n',
      'YQ=',
      'Y',
      'YQ==YQ==',
      '=YQ=',
      'YW=j',
      'a b=',
      '%%%',
      'YWJjZA==\n',
    ];
    for (const text of samples) {
      expect(pattern.test(text), JSON.stringify(text)).toBe(typeof decodeBase64(text) !== 'string');
    }
  });
});
