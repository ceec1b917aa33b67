/**
 * Ground truth of the fault drills: every run of a ledger job appends its own start (and, when it gets
 * there, its end) to a ledger file outside the agent's data dir, with its pid and how many other runs of
 * the same job it saw alive when it started. The agent's executions are checked against that file.
 *
 * A run prints `ledger-pid <pid>` as its output, which ties each ledger line to the execution (and so
 * the scheduled slot) it belongs to.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';

// sh, not node: a run must cost little (drills run a hundred of them a second) and start fast.
// Arguments: <ledger file> <seconds to sleep>. Another run of the same job counts when its pid is alive,
// not a zombie, and runs this script for the same ledger (so a reused pid is not mistaken for one).
const SCRIPT = `#!/bin/sh
ledger=$1
secs=$2
others=0
if [ -f "$ledger" ]; then
  for p in $(awk '$1 == "start" { print $2 }' "$ledger"); do
    [ "$p" = "$$" ] && continue
    [ -r "/proc/$p/stat" ] || continue
    state=$(sed 's/^.*) //' "/proc/$p/stat" | cut -c1)
    [ "$state" = Z ] && continue
    grep -qa -- "$ledger" "/proc/$p/cmdline" 2>/dev/null && others=$((others + 1))
  done
fi
echo "start $$ $(date +%s%N) $others" >> "$ledger"
echo "ledger-pid $$"
if [ "$secs" != 0 ]; then sleep "$secs"; fi
echo "end $$ $(date +%s%N)" >> "$ledger"
`;

/** One run as the ledger saw it. */
export interface LedgerRun {
  readonly pid: number;
  /** Epoch ms of the run's start. */
  readonly startedAt: number;
  /** Epoch ms of its end; `undefined` when it never got there (killed). */
  readonly endedAt: number | undefined;
  /** Other runs of the same job alive at its start. */
  readonly othersAtStart: number;
}

/** A directory of ledgers and the script the jobs run. */
export interface Ledgers {
  readonly dir: string;
  /** The job body of a ledger job (shell executor, no shell), merged with `extra`. */
  job(name: string, schedule: string, extra?: LedgerJobOptions): Record<string, unknown> & { name: string };
  /** The ledger file of a job. */
  path(name: string): string;
  /** The runs of a job, in start order. */
  runs(name: string): Promise<LedgerRun[]>;
  remove(): Promise<void>;
}

export interface LedgerJobOptions {
  /** How long each run sleeps after writing its start. Default 0. */
  readonly sleepSeconds?: number;
  /** Other job fields (`concurrency`, `catchup_window`, …). */
  readonly fields?: Record<string, unknown>;
}

export async function createLedgers(): Promise<Ledgers> {
  const dir = await mkdtemp(join(tmpdir(), 'dkron-fault-ledger-'));
  const script = join(dir, 'ledger-job.sh');
  await writeFile(script, SCRIPT, { mode: 0o755 });
  const path = (name: string) => join(dir, `${name}.ledger`);
  return {
    dir,
    path,
    job(name, schedule, extra = {}) {
      return {
        name,
        schedule,
        executor: 'shell',
        executor_config: { command: `/bin/sh ${script} ${path(name)} ${extra.sleepSeconds ?? 0}` },
        ...extra.fields,
      };
    },
    async runs(name) {
      let text: string;
      try {
        text = await readFile(path(name), 'utf8');
      } catch {
        return [];
      }
      const ends = new Map<number, number>();
      const starts: { pid: number; at: number; others: number }[] = [];
      for (const line of text.split('\n')) {
        const [kind, pid, ns, others] = line.split(' ');
        if (kind === 'start') starts.push({ pid: Number(pid), at: nsToMs(ns), others: Number(others) });
        if (kind === 'end') ends.set(Number(pid), nsToMs(ns));
      }
      return starts
        .map((s) => ({ pid: s.pid, startedAt: s.at, endedAt: ends.get(s.pid), othersAtStart: s.others }))
        .sort((a, b) => a.startedAt - b.startedAt);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function nsToMs(ns: string | undefined): number {
  return Number(BigInt(ns ?? '0') / 1_000_000n);
}

/** The pid a ledger run printed into the execution's output, if any. */
export function ledgerPidOf(execution: Execution): number | undefined {
  const match = /ledger-pid (\d+)/.exec(execution.output);
  return match ? Number(match[1]) : undefined;
}
