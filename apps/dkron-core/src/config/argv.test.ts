import { describe, expect, it } from 'vitest';
import { parseArgv } from './argv.js';

const DEFS = [
  { name: 'count', short: 'n', takesValue: true },
  { name: 'verbose', takesValue: false },
];

describe('parseArgv', () => {
  it('reads long, short, inline and boolean forms', () => {
    const r = parseArgv(['-n', '3', '--count=4', '--verbose', 'x', '--verbose=false'], DEFS, 'test');
    expect(r.flags.get('count')).toEqual(['3', '4']);
    expect(r.flags.get('verbose')).toEqual(['true', 'false']);
    expect(r.positionals).toEqual(['x']);
    expect(r.help).toBe(false);
  });

  it('stops at --, keeping what follows as arguments', () => {
    const r = parseArgv(['--verbose', '--', '--count', '-h'], DEFS, 'test');
    expect(r.positionals).toEqual(['--count', '-h']);
    expect(r.help).toBe(false);
  });

  it('reports help before any error', () => {
    expect(parseArgv(['--nope', '-h'], DEFS, 'test').help).toBe(true);
  });

  it('takes a value that starts with a single dash', () => {
    expect(parseArgv(['--count', '-1'], DEFS, 'test').flags.get('count')).toEqual(['-1']);
  });

  it('names unknown short flags and missing values', () => {
    expect(() => parseArgv(['-x'], DEFS, 'test')).toThrow('unknown flag -x (see dkron-core test --help)');
    expect(() => parseArgv(['--count'], DEFS, 'test')).toThrow(
      '--count needs a value (see dkron-core test --help)',
    );
  });
});
