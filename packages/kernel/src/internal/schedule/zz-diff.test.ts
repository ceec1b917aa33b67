import { expect, it } from 'vitest';
// @ts-ignore
import { compileCronFields as oldCompile } from '../../../../../../../tmp/oldsched/cron-fields.ts';
import { compileCronFields as newCompile } from './cron-fields.js';

function run(f: (fields: string[], s: string) => unknown, fields: string[]) {
  try {
    const r = { ...(f(fields, fields.join(' ')) as Record<string, unknown>) };
    const nm = r.nextMonth as Int8Array;
    let longest = 0;
    for (let m = 1; m <= 12; m++) if (nm[m] === m) longest = Math.max(longest, [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m] as number);
    const lenMask = longest >= 31 ? 0xfffffffe | 0 : ((1 << (longest + 1)) - 2) | 0;
    r.domMask = (r.domMask as number) & lenMask;
    return JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as Int8Array) : v])));
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}
let seed = 987;
const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
const MAXS = [59, 59, 23, 31, 12, 7];
const NAMES = [[], [], [], [], ['jan','FEB','Mar','dec','jun'], ['sun','MON','fri','sat','Sun','thu']];
function atom(i: number): string {
  const r = rnd(20);
  const names = NAMES[i] ?? [];
  if (r === 0 && names.length) return names[rnd(names.length)] as string;
  if (r === 1 && rnd(4) === 0) return String(rnd(MAXS[i]! + 3));
  if (r === 2) return '0' + String(rnd(MAXS[i]! + 1));
  return String(rnd(MAXS[i]! + 1));
}
function part(i: number): string {
  const r = rnd(12);
  const step = () => (rnd(8) === 0 ? String(rnd(100)) : String(1 + rnd(9)));
  if (r === 0) return '*';
  if (r === 1) return '?';
  if (r === 2) return `*/${step()}`;
  if (r === 3) return `${atom(i)}/${step()}`;
  const ord = () => { const x = rnd(MAXS[i]! + 1), y = rnd(MAXS[i]! + 1); return `${Math.min(x, y) + (i === 3 || i === 4 ? 1 : 0)}-${Math.min(Math.max(x, y) + (i === 3 || i === 4 ? 1 : 0), MAXS[i]!)}`; };
  if (r === 4) return `${atom(i)}-${atom(i)}`;
  if (r === 5) return ord();
  if (r === 6) return `${ord()}/${step()}`;
  if (r === 8) return `${ord()}/${step()}`;
  if (r === 7 && rnd(10) === 0) return ['L', 'H', '5#2', '1W', '', 'x', '*-3', '1--2', '3/0'][rnd(9)] as string;
  return atom(i);
}
function field(i: number): string {
  const n = rnd(10) < 7 ? 1 : 1 + rnd(4);
  return Array.from({ length: n }, () => part(i)).join(',');
}
it('matches the old parser', () => {
  let same = 0; let ok = 0;
  const extra: string[][] = [
    ['0', '0', '0', '*', '*', 'fri-sun'], ['0', '0', '0', '*', '*', '1/2'], ['0', '0', '0', '*', '*', '1/3'],
    ['0', '0', '0', '*', '*', '5-0/2'], ['0', '0', '0', '*', '*', '7'], ['0', '0', '0', '*', '*', '7-7'],
    ['0', '0', '0', '30', '2', '*'], ['0', '0', '0', '29-31', '2', '*'], ['0', '0', '0', '1,30', '2', '1'],
    [Array.from({ length: 30 }, (_, k) => `${k}-59`).join(','), '*', '*', '*', '*', '*'],
    [Array.from({ length: 400 }, () => `0`).join(','), '*', '*', '*', '*', '*'],
    ['0', '0', '0', '*', Array.from({ length: 300 }, (_, k) => `${'0'.repeat(k % 5)}1-12`).join(','), '*'],
    [`${'0'.repeat(2000)}5`, '*/99999999999999999999', '0', '*', '*', `mon/${'0'.repeat(50)}2`],
    ['0', '0', '0', '?', '*', '?'], ['0', '0', '0', '*', '*', '*,1'],
  ];
  const cases = [...extra, ...Array.from({ length: 30000 }, () => [0, 1, 2, 3, 4, 5].map(field))];
  for (const fields of cases) {
    const a = run(oldCompile, fields);
    const b = run(newCompile, fields);
    if (a !== b) { console.log(fields.join(' ').slice(0, 200), '\n OLD', a.slice(0, 300), '\n NEW', b.slice(0, 300)); }
    else { same++; if (!a.startsWith('ERR')) ok++; }
  }
  console.log('same', same, 'valid', ok, 'of', cases.length);
  expect(same).toBe(cases.length);
}, 600_000);
