import type { DispatchHandle, DispatchRun } from '../../ports/dispatcher.js';
import type { NodeRuns } from './node-runs.js';
import type { Run } from './run.js';

/**
 * Starts the runs of one dispatch on this node (see `Dispatcher.dispatch`). Every executor call
 * happens in the first loop, before any bookkeeping: the last run of a slot starts about as early as
 * its first. Runs once per run, thousands per slot: no closure, await or allocation here that the
 * handles and the run records do not need.
 */
export function dispatchRuns(node: NodeRuns, runs: readonly DispatchRun[]): DispatchHandle[] {
  const { active, prepared, options } = node;
  const { nodeName, reports } = options;
  const handles: DispatchHandle[] = [];
  const called: Run[] = [];
  // Every executor call first, then the bookkeeping of each run.
  for (const { job, execution, readyKey: key } of runs) {
    if (execution.node_name !== nodeName) {
      handles.push(refused(`node ${execution.node_name} is not this node (${nodeName})`));
      continue;
    }
    if (node.knows(execution.id)) {
      handles.push(node.handleOf(execution.id));
      continue;
    }
    if (node.stopping) {
      handles.push(refused('the node is shutting down'));
      continue;
    }
    const run = (key !== undefined && prepared.get(key)) || node.ready(job);
    if (key !== undefined) prepared.delete(key);
    run.execution = execution;
    active.set(execution.id, run);
    run.prepared.call(execution);
    called.push(run);
    handles.push(node.handleOf(execution.id));
  }
  // `outcome` follows every `call` in the same turn of the event loop, as it must.
  for (const run of called) run.done = node.finish(run, run.prepared.outcome());
  // Reported once the dispatcher returned, as a remote node's report would arrive: the leader
  // registers what it waits for right after the dispatch.
  if (called.length > 0)
    queueMicrotask(() => {
      for (const run of called) reports.started(run.execution);
    });
  return handles;
}

function refused(reason: string): DispatchHandle {
  return { accepted: false, reason, abort() {} };
}
