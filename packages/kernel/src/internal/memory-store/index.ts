export { queryJobs } from './job-query.js';
export { createMemoryAccessStore } from './memory-access-store.js';
export { createMemoryStore, type MemoryStore } from './memory-store.js';
export { tailBytes } from './output-tail.js';
