// Throughput of Schedule.next(from) against croner 11 and cron-parser 5, measured in the same run.
//
//   npx tsc -b tsconfig.build.json && node test/bench/schedule.bench.mjs
//
// Each expression is parsed once; `from` cycles through 1024 instants spread over 2026 so that no
// library can answer from a one-entry cache. Per library: a warm-up, then ROUNDS timed rounds, median
// ops/s reported. Exits 1 when ours is below 0.7x croner on any zoned expression (the kernel's floor).
//
// "ours" expands fields with cron-parser and reads zone offsets from luxon, both at parse time or once per
// cached span; the cron-parser column is that library iterating on its own.
import { CronExpressionParser } from 'cron-parser';
import { Cron } from 'croner';
import { parseSchedule } from '../../packages/kernel/dist/index.js';

const FLOOR = 0.7;
const ROUNDS = 5;
const ROUND_MS = 120;
const WARMUP_MS = 150;

const CASES = [
  { expr: '*/5 * * * * *', tz: 'UTC' },
  { expr: '0 0 0 29 2 *', tz: 'UTC' },
  { expr: '0 0 0 1 1 *', tz: 'UTC' },
  { expr: '0 30 2 * * *', tz: 'America/New_York' },
  { expr: '0 0 12 * * 1-5', tz: 'Europe/Berlin' },
  { expr: '0 */15 9-17 * * 1-5', tz: 'Asia/Tokyo' },
  { expr: '@daily', tz: 'Europe/Berlin' },
  { expr: '0 0 1 1 * *', tz: 'Australia/Lord_Howe' },
  { expr: '0 0 */2 * * *', tz: 'Europe/London' },
  { expr: '0 0 9 * * mon', tz: 'America/Sao_Paulo' },
];

// Deterministic spread of `from` instants (whole and fractional seconds) over 2026.
const FROMS = (() => {
  let seed = 0x2545f491;
  const out = [];
  for (let i = 0; i < 1024; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out.push(new Date(Date.UTC(2026, 0, 1) + (seed % (365 * 86_400)) * 1000 + (i % 7) * 111));
  }
  return out;
})();
const MASK = FROMS.length - 1;

/** Median ops/s of `call(from)` over ROUNDS timed rounds, after a warm-up. */
function measure(call) {
  let sink = 0;
  const run = (ms) => {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let i = 0; i < 64; i++) {
        const result = call(FROMS[(calls + i) & MASK]);
        if (result) sink++;
      }
      calls += 64;
      elapsed = performance.now() - start;
    }
    return (calls / elapsed) * 1000;
  };
  run(WARMUP_MS);
  const rounds = Array.from({ length: ROUNDS }, () => run(ROUND_MS)).sort((a, b) => a - b);
  if (sink < 0) console.log(sink);
  return rounds[Math.floor(ROUNDS / 2)];
}

const fmt = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
const rows = [];
let zonedMin = Number.POSITIVE_INFINITY;

for (const { expr, tz } of CASES) {
  const ours = parseSchedule(expr, { timezone: tz });
  const croner = new Cron(expr, { timezone: tz });
  const parser = CronExpressionParser.parse(expr, { tz, currentDate: FROMS[0] });

  // How often the libraries agree on the next run (they differ by design around DST).
  let agree = 0;
  for (const from of FROMS) {
    if (ours.next(from)?.getTime() === croner.nextRun(from)?.getTime()) agree++;
  }

  const oursOps = measure((from) => ours.next(from));
  const cronerOps = measure((from) => croner.nextRun(from));
  const parserOps = measure((from) => {
    parser.reset(from);
    return parser.next();
  });
  const ratio = oursOps / cronerOps;
  if (tz !== 'UTC') zonedMin = Math.min(zonedMin, ratio);
  rows.push({
    expression: expr,
    zone: tz,
    ours: fmt(oursOps),
    croner: fmt(cronerOps),
    'cron-parser': fmt(parserOps),
    'ours/croner': ratio.toFixed(1),
    'ours/cron-parser': (oursOps / parserOps).toFixed(1),
    'agree w/ croner': `${((agree / FROMS.length) * 100).toFixed(0)}%`,
  });
}

console.log(`Schedule.next(from) ops/s, median of ${ROUNDS} rounds (node ${process.version})`);
console.table(rows);
console.log(`zoned min ratio ours/croner: ${zonedMin.toFixed(2)}`);
if (zonedMin < FLOOR) {
  console.error(`FAIL: below the ${FLOOR}x floor`);
  process.exit(1);
}
