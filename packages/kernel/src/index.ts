export type { Agent, AgentOptions } from './internal/agent/agent.js';
export { createAgent } from './internal/agent/agent.js';
export type { LeaseCluster, LeaseClusterOptions } from './internal/cluster/lease-cluster.js';
export { createLeaseCluster, DEFAULT_LEASE_TTL_MS } from './internal/cluster/lease-cluster.js';
export type { LocalClusterOptions } from './internal/cluster/local-cluster.js';
export { createLocalCluster, selfMember } from './internal/cluster/local-cluster.js';
export type { DagJob, JobGraph } from './internal/dag/index.js';
export {
  ancestors,
  checkParentChange,
  childrenOf,
  descendants,
  jobGraph,
  restoreOrder,
} from './internal/dag/index.js';
export { DEFAULT_CATCHUP_MS, DEFAULT_RETAINED_EXECUTIONS } from './internal/defaults.js';
export type { StatusExecution, ValidateJobOptions } from './internal/job/index.js';
export {
  computeStatus,
  DEFAULT_CATCHUP_WINDOW,
  isVersionConflict,
  laterTime,
  MAX_UPDATE_ATTEMPTS,
  mergeJobUpdate,
  msToTime,
  normalizeTime,
  parseMemoryLimit,
  rfc3339ToMs,
  timeToNanos,
  toJob,
  validateJob,
  validationMessage,
  versionConflict,
} from './internal/job/index.js';
export type { MemoryStore } from './internal/memory-store/index.js';
export {
  createMemoryAccessStore,
  createMemoryStore,
  queryJobs,
  tailBytes,
} from './internal/memory-store/index.js';
export type {
  AnyExecutorDefinition,
  AnyProcessorDefinition,
  MissingPlugins,
  PluginRegistry,
  PluginRegistryOptions,
  RegisteredExecutor,
  RegisteredProcessor,
} from './internal/plugins/index.js';
export { createPluginRegistry } from './internal/plugins/index.js';
export { createRandom } from './internal/random.js';
export type {
  ExecutionOutcome,
  PreparedExecution,
  PrepareExecutionOptions,
  RunExecutionOptions,
} from './internal/runner/index.js';
export {
  DEFAULT_OUTPUT_LIMIT,
  prepareExecution,
  runExecution,
} from './internal/runner/index.js';
export type {
  PreviewScheduleInput,
  Rfc3339Fields,
  Schedule,
  ScheduleKind,
  ScheduleOptions,
} from './internal/schedule/index.js';
export {
  hashSchedule,
  isValidTimezone,
  matchRfc3339,
  parseGoDuration,
  parseIsoDuration,
  parseSchedule,
  previewSchedule,
} from './internal/schedule/index.js';
export type { SecretSource } from './internal/secrets/index.js';
export {
  hasSecretReference,
  holdsSecretReference,
  maskJobSecrets,
  resolveSecretReferences,
  SECRET_MASK,
  unmaskJobSecrets,
} from './internal/secrets/index.js';
export type { CleanTags, TargetCandidate } from './internal/tags/index.js';
export { cleanTags, selectTargets } from './internal/tags/index.js';
export type { FollowEvent, Worker, WorkerOptions } from './internal/worker/worker.js';
export { createWorker } from './internal/worker/worker.js';
export type {
  AccessStore,
  AclCapability,
  AclPolicy,
  AclRules,
  AclTokenType,
  AuditChange,
  AuditEntry,
  AuditPage,
  AuditQuery,
  PolicyDeletion,
  StoredAclToken,
} from './ports/access.js';
export { ACL_CAPABILITIES } from './ports/access.js';
export type {
  AgentApi,
  AgentHealth,
  Member,
  PluginCatalog,
  RestoreOptions,
  RestoreResult,
  RunOptions,
  SaveJobInputOptions,
} from './ports/agent.js';
export type { Clock } from './ports/clock.js';
export { systemClock } from './ports/clock.js';
export type { Cluster, ClusterCandidate, LeadershipChange } from './ports/cluster.js';
export type { Dispatcher, DispatchHandle, DispatchRun } from './ports/dispatcher.js';
export type { ExecutionJournal, UnwrittenExecution } from './ports/execution-journal.js';
export type { ExecutionReports, FinishedReport } from './ports/execution-reports.js';
export type { Notifier } from './ports/notifier.js';
export type { RemoteFollowEvent, RemoteRuns } from './ports/remote-runs.js';
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
  LaunchSlot,
  Lease,
  LeaseStore,
  RegisteredMember,
  SaveJobOptions,
  Store,
  VersionedJob,
} from './ports/store.js';
export { completionOf } from './ports/store.js';
