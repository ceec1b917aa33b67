// The run ledger of the no-op executor fixture (test/fixtures/bench-plugins/noop-executor.mjs, option
// `ledger`): what each node ran, written by the executor itself, the ground truth the store's execution
// records are checked against.
import { readFile } from 'node:fs/promises';

/**
 * Every run in the ledger files `paths` (a missing file has none), as
 * `{ job, slot, calledAt, node, id }`: `slot` is the scheduled time in epoch ms (NaN for a run without
 * one), `calledAt` the epoch ms of the execute() call. A last line still being written is skipped.
 */
export async function readLedger(paths) {
  const runs = [];
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch((err) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const end = text.lastIndexOf('\n');
    if (end === -1) continue;
    for (const line of text.slice(0, end).split('\n')) {
      const [job, scheduledAt, calledAt, node, id] = line.split('\t');
      runs.push({
        job,
        slot: scheduledAt ? Date.parse(scheduledAt) : Number.NaN,
        calledAt: Number(calledAt),
        node,
        id,
      });
    }
  }
  return runs;
}
