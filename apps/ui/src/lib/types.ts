/** The API's shapes as the UI reads them (Dkron's fields plus dkron-core's). */

export interface Job {
  id: string;
  name: string;
  displayname: string;
  timezone: string;
  schedule: string;
  owner: string;
  owner_email: string;
  success_count: number;
  error_count: number;
  last_success: string | null;
  last_error: string | null;
  disabled: boolean;
  tags: Record<string, string> | null;
  metadata: Record<string, string> | null;
  retries: number;
  dependent_jobs: string[] | null;
  parent_job: string;
  processors: Record<string, Record<string, unknown>> | null;
  concurrency: 'allow' | 'forbid' | 'replace';
  executor: string;
  executor_config: Record<string, unknown> | null;
  status: string;
  next: string;
  ephemeral: boolean;
  starts_at: string | null;
  expires_at: string | null;
  catchup_window?: string;
  retry_backoff?: string;
  retry_backoff_max?: string;
  missed_count?: number;
  notify?: unknown;
}

export type ExecutionStatus = 'running' | 'success' | 'failed' | 'lost' | 'cancelled';

export interface Execution {
  id: string;
  job_name: string;
  started_at: string;
  finished_at: string;
  success: boolean;
  output: string;
  node_name: string;
  group: number;
  attempt: number;
  status?: ExecutionStatus;
  scheduled_at?: string | null;
  output_truncated?: boolean;
}

export interface Member {
  id?: string;
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  statusText?: string;
}

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | JsonSchema;
  title?: string;
  contentEncoding?: string;
}

export interface PluginEntry {
  name: string;
  plugin: string;
  description?: string;
  config: JsonSchema;
}

export interface PluginCatalog {
  executors: PluginEntry[];
  processors: PluginEntry[];
}

export interface SchedulePreview {
  schedule: string;
  timezone: string;
  times: string[];
}

export interface UpcomingRun {
  job: string;
  displayname: string;
  at: string;
}

export type SlotOutcome =
  | 'ran'
  | 'skipped_forbid'
  | 'outside_window'
  | 'disabled'
  | 'no_target'
  | 'unknown'
  | 'missed';

export interface Slot {
  at: string;
  outcome: SlotOutcome;
  status?: ExecutionStatus;
  execution?: string;
  lag_ms?: number;
  blocked_by?: string;
}

export interface JobSlots {
  job: string;
  from: string;
  to: string;
  slots: Slot[];
  total: number;
  missed_count: number;
  history_from: string | null;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

// ---- access control (`/v1/acl/*`, `/v1/audit`) ---------------------------------------------

export type Capability = 'create' | 'read' | 'update' | 'delete' | 'list';

export const CAPABILITIES: readonly Capability[] = ['create', 'read', 'update', 'delete', 'list'];

/** Dkron Pro's policy rules: path globs and what they grant. */
export interface AclRules {
  path: Record<string, { capabilities: Capability[] }>;
}

/** `GET /v1/acl/token/self`: who the token is and what it may do on the paths asked for. */
export interface TokenSelf {
  accessor_id: string;
  name: string;
  type: 'management' | 'client' | 'anonymous';
  policies: string[];
  create_time?: string;
  acl_enabled: boolean;
  rules: AclRules;
  capabilities: Record<string, Capability[]>;
}

export interface AclToken {
  accessor_id: string;
  name: string;
  type: 'management' | 'client';
  policies: string[];
  create_time: string;
  /** Only in the answer that created the token. */
  secret?: string;
}

export interface AclPolicy {
  name: string;
  description: string;
  rules: AclRules;
  create_time: string;
  modify_time: string;
  builtin: boolean;
}

export interface AuditEntry {
  id: string;
  time: string;
  token: string;
  token_accessor: string;
  source: string;
  action: string;
  job: string;
  diff: Record<string, { old: unknown; new: unknown }> | null;
  details: Record<string, unknown> | null;
}
