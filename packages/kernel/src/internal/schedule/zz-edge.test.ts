import { it } from 'vitest';
// @ts-ignore
import { parseSchedule as oldParse } from '../../../../../../../tmp/oldsched/parse.ts';
import { parseSchedule } from './parse.js';

it('edges', () => {
  for (const [expr, tz, from] of [
    ['@daily', 'Europe/Berlin', 8.64e15 - 1000],
    ['@yearly', 'Europe/Berlin', 8.64e15 - 86400000 * 400],
    ['@yearly', 'Asia/Tokyo', 8.64e15 - 86400000 * 400],
    ['@at 275760-09-13T00:00:00Z', 'Asia/Tokyo', 0],
    ['@at 275760-09-12T23:00:00', 'America/New_York', 0],
    ['0 0 0 1 1 *', 'America/New_York', -8.64e15],
    ['@at -271821-04-20T00:00:00', 'Asia/Tokyo', -8.64e15],
  ] as [string, string, number][]) {
    for (const [name, p] of [['old', oldParse], ['new', parseSchedule]] as const) {
      const t0 = performance.now();
      let out: string;
      try { out = String(p(expr, { timezone: tz }).next(from)?.toISOString()); } catch (e) { out = `ERR ${(e as Error).message}`; }
      console.log(name, expr, tz, from, '=>', out, (performance.now() - t0).toFixed(1), 'ms');
    }
  }
}, 120_000);
