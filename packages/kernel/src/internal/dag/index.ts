export type { DagJob, JobGraph } from './dag.js';
export { ancestors, checkParentChange, childrenOf, descendants, jobGraph, restoreOrder } from './dag.js';
