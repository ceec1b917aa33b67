import { describe, expect, it } from 'vitest';
import { parseHeaders } from './internal/headers.js';

describe('parseHeaders', () => {
  it('reads Name: value entries, the Host entry apart', () => {
    expect(
      parseHeaders(['Content-Type: application/json', ' X-Token :  a:b:c ', 'host: hooks.example:8443', '']),
    ).toEqual({
      host: 'hooks.example:8443',
      headers: { 'Content-Type': 'application/json', 'X-Token': 'a:b:c' },
      invalid: [],
    });
  });

  it('lets a later entry replace an earlier one of any case, as Header.Set', () => {
    expect(parseHeaders(['x-a: 1', 'X-A: 2']).headers).toEqual({ 'X-A': '2' });
  });

  it('drops entries that are not headers instead of failing every call', () => {
    expect(parseHeaders(['no colon', 'bad name: x', ': empty'])).toEqual({
      host: undefined,
      headers: {},
      invalid: ['no colon', 'bad name: x', ': empty'],
    });
  });
});
