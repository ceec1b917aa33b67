export type {
  AgentApi,
  AgentHealth,
  Member,
  PluginCatalog,
  RestoreResult,
  RunOptions,
} from './ports/agent.js';
export type { Clock } from './ports/clock.js';
export { systemClock } from './ports/clock.js';
export type {
  DayStats,
  ExecutionCompletion,
  ExecutionQuery,
  ExecutionSortField,
  JobPage,
  JobQuery,
  JobRuntimePatch,
  JobSortField,
  LaunchIntent,
  Store,
} from './ports/store.js';
