/**
 * The parent/child tree of jobs (Dkron §5.6): one parent per job, many children. Pure functions over
 * the `{ name, parent_job }` pairs of the jobs, so the API, the store and the scheduler share one
 * definition of "child", "ancestor" and "cycle".
 */

import { DkronError } from '@dkron-core/plugin-api';

/** The job fields the graph needs. `parent_job` is `''` for a root. */
export interface DagJob {
  readonly name: string;
  readonly parent_job: string;
}

/** `GET /v1/jobs/{name}/graph`: the job, its ancestor chain, its subtree and the edges between them. */
export interface JobGraph {
  readonly job: string;
  /** Nearest first: parent, grandparent, …, root. */
  readonly ancestors: string[];
  /** Breadth-first: children, then grandchildren, … */
  readonly descendants: string[];
  /** `[parent, child]` pairs, root side first. */
  readonly edges: Array<[string, string]>;
}

function parentsByName(jobs: readonly DagJob[]): Map<string, string> {
  return new Map(jobs.map((job) => [job.name, job.parent_job]));
}

/** Names of the jobs whose `parent_job` is `name`, in input order. */
export function childrenOf(jobs: readonly DagJob[], name: string): string[] {
  return jobs.filter((job) => job.parent_job === name && job.name !== name).map((job) => job.name);
}

/**
 * Parent, grandparent, … of `name`, nearest first. Stops at a parent missing from `jobs`, and at a
 * repeat so that corrupt data with a cycle cannot loop forever.
 */
export function ancestors(jobs: readonly DagJob[], name: string): string[] {
  const parents = parentsByName(jobs);
  const chain: string[] = [];
  const seen = new Set([name]);
  let current = parents.get(name) ?? '';
  while (current !== '' && parents.has(current) && !seen.has(current)) {
    chain.push(current);
    seen.add(current);
    current = parents.get(current) ?? '';
  }
  return chain;
}

/** Children, grandchildren, … of `name`, breadth-first, each once. */
export function descendants(jobs: readonly DagJob[], name: string): string[] {
  const children = new Map<string, string[]>();
  for (const job of jobs) {
    if (job.parent_job === '' || job.parent_job === job.name) continue;
    const list = children.get(job.parent_job) ?? [];
    list.push(job.name);
    children.set(job.parent_job, list);
  }
  const out: string[] = [];
  const seen = new Set([name]);
  const queue = [name];
  for (let i = 0; i < queue.length; i++) {
    for (const child of children.get(queue[i] as string) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * Checks that `name` may get `newParent` as parent: the parent exists in `jobs` and the change makes
 * no cycle (walking up from `newParent` never reaches `name`). `name` itself need not exist yet.
 *
 * @throws DkronError `NOT_FOUND` `specified parent job not found` (Dkron's text) for a missing parent;
 *   `VALIDATION` `setting parent_job of "a" to "b" would create a cycle: a -> b -> … -> a` for a cycle.
 */
export function checkParentChange(jobs: readonly DagJob[], name: string, newParent: string): void {
  if (newParent === '') return;
  const parents = parentsByName(jobs);
  if (newParent !== name && !parents.has(newParent)) {
    throw new DkronError('NOT_FOUND', 'specified parent job not found', {
      details: { field: 'parent_job', job: name },
    });
  }
  const path = [name];
  const seen = new Set<string>();
  let current = newParent;
  while (current !== '' && !seen.has(current)) {
    path.push(current);
    if (current === name) {
      throw new DkronError(
        'VALIDATION',
        `setting parent_job of "${name}" to "${newParent}" would create a cycle: ${path.join(' -> ')}`,
        { details: { field: 'parent_job', job: name } },
      );
    }
    seen.add(current);
    current = parents.get(current) ?? '';
  }
}

/**
 * Orders jobs for `POST /v1/restore`: every parent before its children, each root followed by its
 * subtree depth-first (Dkron submits recursively), roots and siblings in input order.
 *
 * @param knownParents - names already stored, accepted as parents outside the file (a dkron-core
 *   extension; Dkron requires every parent in the same file).
 * @throws DkronError `VALIDATION`: a duplicate name, a parent found neither in the file nor in
 *   `knownParents` (Dkron's `the job doesn't have a parent job set`), or a cycle.
 */
export function restoreOrder<J extends DagJob>(jobs: readonly J[], knownParents?: ReadonlySet<string>): J[] {
  const byName = new Map<string, J>();
  for (const job of jobs) {
    if (byName.has(job.name)) {
      throw new DkronError('VALIDATION', `duplicate job "${job.name}" in the restored jobs`, {
        details: { field: 'name', job: job.name },
      });
    }
    byName.set(job.name, job);
  }
  const children = new Map<string, J[]>();
  const roots: J[] = [];
  for (const job of jobs) {
    if (job.parent_job === '' || (!byName.has(job.parent_job) && knownParents?.has(job.parent_job))) {
      roots.push(job);
    } else if (!byName.has(job.parent_job)) {
      throw new DkronError('VALIDATION', `the job doesn't have a parent job set`, {
        details: { field: 'parent_job', job: job.name },
      });
    } else {
      const siblings = children.get(job.parent_job);
      if (siblings === undefined) children.set(job.parent_job, [job]);
      else siblings.push(job);
    }
  }
  // Depth-first pre-order with an explicit stack: restore files may hold deep chains.
  const ordered: J[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const job = stack.pop() as J;
    ordered.push(job);
    stack.push(...(children.get(job.name) ?? []).slice().reverse());
  }
  if (ordered.length < jobs.length) {
    // Jobs unreachable from any root sit on a cycle (or hang below one): name one cycle.
    const placed = new Set(ordered.map((job) => job.name));
    const stuck = jobs.find((job) => !placed.has(job.name)) as J;
    throw new DkronError('VALIDATION', `the restored jobs contain a cycle: ${cyclePath(byName, stuck)}`, {
      details: { field: 'parent_job', job: stuck.name },
    });
  }
  return ordered;
}

// Follows parents from `start` until a name repeats, and returns that loop as `a -> b -> a`.
function cyclePath(byName: ReadonlyMap<string, DagJob>, start: DagJob): string {
  const path: string[] = [];
  let current: string = start.name;
  while (!path.includes(current)) {
    path.push(current);
    current = byName.get(current)?.parent_job ?? '';
  }
  const loop = path.slice(path.indexOf(current));
  return [...loop, current].join(' -> ');
}

/**
 * The graph around one job: its ancestor chain, its whole subtree and the parent→child edges among them.
 *
 * @throws DkronError `NOT_FOUND` when `name` is not in `jobs`.
 */
export function jobGraph(jobs: readonly DagJob[], name: string): JobGraph {
  if (!jobs.some((job) => job.name === name)) {
    throw new DkronError('NOT_FOUND', `job not found: ${name}`, { details: { job: name } });
  }
  const up = ancestors(jobs, name);
  const down = descendants(jobs, name);
  const edges: Array<[string, string]> = [];
  const chain = [...up].reverse();
  for (let i = 0; i < chain.length; i++) edges.push([chain[i] as string, chain[i + 1] ?? name]);
  const parents = parentsByName(jobs);
  for (const child of down) edges.push([parents.get(child) as string, child]);
  return { job: name, ancestors: up, descendants: down, edges };
}
