import { isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseIsoDuration } from './index.js';

function failure(parse: (text: string) => number, text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(isDkronError(error, 'VALIDATION')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseGoDuration (Go time.ParseDuration)', () => {
  const valid: [string, number][] = [
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['300us', 0.3],
    ['300\u00b5s', 0.3],
    ['300\u03bcs', 0.3],
    ['100ns', 0.0001],
    ['-1s', -1000],
    ['+2m', 120_000],
    ['0', 0],
    ['-0', 0],
    ['0s', 0],
    ['1h0m0s', 3_600_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['2h45m30.5s', 9_930_500],
    ['1m1m', 120_000],
    ['1.0000000001s', 1000],
    ['2562047h', 9_223_369_200_000],
  ];
  it.each(valid)('%j is %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  const invalid: [string, string][] = [
    ['', 'invalid duration ""'],
    ['-', 'invalid duration "-"'],
    ['1', 'missing unit in duration "1"'],
    ['00', 'missing unit in duration "00"'],
    ['1d', 'unknown unit "d" in duration "1d"'],
    ['1H', 'unknown unit "H" in duration "1H"'],
    ['h', 'invalid duration "h"'],
    ['.s', 'invalid duration ".s"'],
    // like Go, a unit runs up to the next digit or dot
    ['1h-2m', 'unknown unit "h-" in duration "1h-2m"'],
    [' 1h', 'invalid duration " 1h"'],
    ['3000000h', 'invalid duration "3000000h"'],
  ];
  it.each(invalid)('%j is refused', (text, message) => {
    expect(failure(parseGoDuration, text)).toBe(message);
  });
});

describe('parseIsoDuration (the @after grace)', () => {
  const valid: [string, number][] = [
    ['P1DT2H30M', 95_400_000],
    ['PT2H', 7_200_000],
    ['PT1M', 60_000],
    ['P1M', 2_592_000_000],
    ['P1Y', 31_536_000_000],
    ['P1W', 604_800_000],
    ['P2D', 172_800_000],
    ['PT1.5S', 1500],
    ['PT0,5S', 500],
    ['P1Y2M3DT4H5M6S', 36_993_906_000],
    ['P0DT1S', 1000],
  ];
  it.each(valid)('%j is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  const shape = 'expected P[nY][nM][nW][nD][T[nH][nM][nS]], e.g. PT1H30M';
  const invalid: [string, string][] = [
    ['P2H', `invalid ISO 8601 duration "P2H": ${shape}`],
    ['P', `invalid ISO 8601 duration "P": ${shape}`],
    ['PT', `invalid ISO 8601 duration "PT": ${shape}`],
    ['P1DT', `invalid ISO 8601 duration "P1DT": ${shape}`],
    ['', `invalid ISO 8601 duration "": ${shape}`],
    ['1D', `invalid ISO 8601 duration "1D": ${shape}`],
    ['p1d', `invalid ISO 8601 duration "p1d": ${shape}`],
    ['P-1D', `invalid ISO 8601 duration "P-1D": ${shape}`],
    ['P1.5D', `invalid ISO 8601 duration "P1.5D": ${shape}`],
    ['PT0S', 'ISO 8601 duration "PT0S" must be greater than zero'],
    ['P0D', 'ISO 8601 duration "P0D" must be greater than zero'],
  ];
  it.each(invalid)('%j is refused', (text, message) => {
    expect(failure(parseIsoDuration, text)).toBe(message);
  });
});
