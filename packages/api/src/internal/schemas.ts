import type { JsonSchema } from '@dkron-core/plugin-api';

/** A `$ref` to one of {@link COMPONENT_SCHEMAS}. */
export function ref(name: keyof typeof COMPONENT_SCHEMAS): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of a component. */
export function arrayOf(name: keyof typeof COMPONENT_SCHEMAS): JsonSchema {
  return { type: 'array', items: ref(name) };
}

const stringMap = (description: string): JsonSchema => ({
  type: ['object', 'null'],
  additionalProperties: { type: 'string' },
  description,
});
const nullableTime = (description: string): JsonSchema => ({
  type: ['string', 'null'],
  format: 'date-time',
  description,
});
const goDuration = (description: string): JsonSchema => ({ type: 'string', description });

/** Fields a client may post (Dkron's writable job fields plus dkron-core's extensions). */
const JOB_WRITABLE: Record<string, JsonSchema> = {
  name: {
    type: 'string',
    description: 'Unique key: Unicode lowercase letters, ASCII digits, `_` and `-`.',
    examples: ['job1'],
  },
  displayname: { type: 'string' },
  schedule: {
    type: 'string',
    description:
      'Cron with seconds (or 5 fields), descriptors, `@every <duration>`, `@at <time>`, ' +
      '`@after <time> <grace>`, `@manually`; `TZ=`/`CRON_TZ=` prefixes and `~` hashing.',
    examples: ['@every 10s', '0 0 9 * * 1-5'],
  },
  timezone: { type: 'string', description: 'IANA zone name.', examples: ['Europe/Berlin'] },
  owner: { type: 'string' },
  owner_email: { type: 'string' },
  disabled: { type: 'boolean' },
  tags: stringMap('Target-node selector: `key: value` or `key: value:count`.'),
  metadata: stringMap('Free labels, filterable with `metadata[k]=v`.'),
  retries: { type: 'integer', minimum: 0 },
  parent_job: { type: 'string' },
  processors: {
    type: 'object',
    description:
      "Processor name → its config, checked against the processor's config schema (`GET /v1/plugins`); " +
      'strings are accepted for every value.',
    additionalProperties: { type: ['object', 'null'] },
  },
  concurrency: { type: 'string', enum: ['allow', 'forbid', 'replace', ''] },
  executor: { type: 'string', description: 'An executor listed by `GET /v1/plugins`.' },
  executor_config: {
    type: ['object', 'null'],
    description: "Checked against the executor's config schema; strings are accepted for every value.",
  },
  ephemeral: { type: 'boolean' },
  starts_at: nullableTime('Do not run before this time.'),
  expires_at: nullableTime('Do not run after this time.'),
  catchup_window: goDuration('How late a missed slot may still run once (default `60s`, `0` off).'),
  retry_backoff: goDuration('Delay before the first retry; doubles per attempt.'),
  retry_backoff_max: goDuration('Cap of the retry delay.'),
  notify: {
    type: ['object', 'null'],
    properties: {
      on: { type: 'string', enum: ['failure', 'success', 'always'] },
      webhook: { type: 'string', format: 'uri' },
      email: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    },
  },
};

/** Fields the server maintains. */
const JOB_READ_ONLY: Record<string, JsonSchema> = {
  id: { type: 'string', description: 'Always equal to `name`.', readOnly: true },
  success_count: { type: 'integer', readOnly: true },
  error_count: { type: 'integer', readOnly: true },
  last_success: { ...nullableTime('Finish time of the last successful execution.'), readOnly: true },
  last_error: { ...nullableTime('Finish time of the last failed execution.'), readOnly: true },
  dependent_jobs: { type: ['array', 'null'], items: { type: 'string' }, readOnly: true },
  status: {
    type: 'string',
    enum: ['', 'success', 'failed', 'partially_failed', 'running'],
    readOnly: true,
  },
  next: { type: 'string', format: 'date-time', readOnly: true },
  missed_count: { type: 'integer', readOnly: true },
};

const MEMBER_PROPERTIES: Record<string, JsonSchema> = {
  Name: { type: 'string' },
  Addr: { type: 'string' },
  Port: { type: 'integer' },
  Tags: { type: 'object', additionalProperties: { type: 'string' } },
  Status: { type: 'integer', description: '0 none, 1 alive, 2 leaving, 3 left, 4 failed.' },
  ProtocolMin: { type: 'integer' },
  ProtocolMax: { type: 'integer' },
  ProtocolCur: { type: 'integer' },
  DelegateMin: { type: 'integer' },
  DelegateMax: { type: 'integer' },
  DelegateCur: { type: 'integer' },
};

const aclRulesRef: JsonSchema = { $ref: '#/components/schemas/AclRules' };

const pluginEntry: JsonSchema = {
  type: 'object',
  required: ['name', 'plugin', 'config'],
  properties: {
    name: { type: 'string' },
    plugin: { type: 'string' },
    description: { type: 'string' },
    config: { type: 'object', description: 'JSON Schema of the config.' },
  },
};

/** Every named schema of the document (OpenAPI 3.1 = JSON Schema 2020-12). */
export const COMPONENT_SCHEMAS = {
  Job: {
    type: 'object',
    required: ['id', 'name', 'schedule'],
    properties: { ...JOB_READ_ONLY, ...JOB_WRITABLE },
  },
  JobInput: {
    type: 'object',
    description:
      'A job as posted: a full replace (omitted fields take their defaults). Unknown fields are ignored.',
    required: ['name'],
    properties: JOB_WRITABLE,
  },
  Execution: {
    type: 'object',
    required: ['id', 'job_name', 'started_at', 'finished_at', 'success', 'output', 'node_name'],
    properties: {
      id: { type: 'string', description: '`<started_at in Unix ns>-<node_name>`.' },
      job_name: { type: 'string' },
      started_at: { type: 'string', format: 'date-time' },
      finished_at: {
        type: 'string',
        format: 'date-time',
        description: '`0001-01-01T00:00:00Z` while running.',
      },
      success: { type: 'boolean' },
      output: { type: 'string' },
      node_name: { type: 'string' },
      group: { type: 'integer', description: 'Trigger id shared by every node and attempt of one trigger.' },
      attempt: { type: 'integer', minimum: 1 },
      status: { type: 'string', enum: ['running', 'success', 'failed', 'lost', 'cancelled'] },
      scheduled_at: { type: ['string', 'null'], format: 'date-time' },
      output_truncated: { type: 'boolean' },
    },
  },
  Member: {
    type: 'object',
    required: Object.keys(MEMBER_PROPERTIES),
    properties: MEMBER_PROPERTIES,
  },
  ListedMember: {
    type: 'object',
    properties: {
      ...MEMBER_PROPERTIES,
      id: { type: 'string', description: 'A random id on every call (react-admin needs one).' },
      statusText: { type: 'string', enum: ['none', 'alive', 'leaving', 'left', 'failed'] },
    },
  },
  Error: {
    type: 'object',
    required: ['message', 'code'],
    properties: {
      message: { type: 'string', description: "Dkron's message where Dkron has one." },
      code: { type: 'string', description: 'A DkronError code, e.g. `VALIDATION`, `NOT_FOUND`.' },
      field: { type: 'string', description: 'The offending input field.' },
    },
  },
  Index: {
    type: 'object',
    properties: {
      agent: {
        type: 'object',
        properties: { name: { type: 'string' }, version: { type: 'string' } },
      },
      serf: { type: 'object', additionalProperties: { type: 'string' } },
      tags: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['healthy', 'unhealthy'] },
      leader: { type: 'boolean', description: 'Present on servers.' },
      issues: { type: 'array', items: { type: 'string' } },
    },
  },
  Pause: {
    type: 'object',
    required: ['paused'],
    properties: { paused: { type: 'boolean' } },
  },
  Stats: {
    type: 'object',
    required: ['stats'],
    properties: {
      stats: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            date: { type: 'string', format: 'date-time', description: 'UTC midnight.' },
            success_count: { type: 'integer' },
            failed_count: { type: 'integer' },
          },
        },
      },
    },
  },
  PluginCatalog: {
    type: 'object',
    properties: {
      executors: { type: 'array', items: pluginEntry },
      processors: { type: 'array', items: pluginEntry },
    },
  },
  AclRules: {
    type: 'object',
    description:
      "Dkron Pro's rules: path globs under /v1 (`*` one segment, `**` any depth) and their capabilities.",
    required: ['path'],
    properties: {
      path: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['capabilities'],
          properties: {
            capabilities: {
              type: 'array',
              items: { type: 'string', enum: ['create', 'read', 'update', 'delete', 'list'] },
            },
          },
        },
      },
    },
    examples: [
      { path: { '/v1/jobs': { capabilities: ['list'] }, '/v1/jobs/team-a-*': { capabilities: ['read'] } } },
    ],
  },
  AclPolicy: {
    type: 'object',
    required: ['name', 'description', 'rules', 'builtin'],
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      rules: aclRulesRef,
      builtin: { type: 'boolean', description: '`default` and `read-only` are built in and cannot change.' },
      create_time: { type: 'string', format: 'date-time' },
      modify_time: { type: 'string', format: 'date-time' },
    },
  },
  AclPolicyInput: {
    type: 'object',
    required: ['rules'],
    properties: { description: { type: 'string' }, rules: aclRulesRef },
  },
  AclToken: {
    type: 'object',
    required: ['accessor_id', 'name', 'type', 'policies', 'create_time'],
    properties: {
      accessor_id: { type: 'string', description: 'Public id: lists, revocation and the audit log name it.' },
      secret: { type: 'string', description: 'Only in the answer that creates the token; never stored.' },
      name: { type: 'string' },
      type: { type: 'string', enum: ['management', 'client'] },
      policies: { type: 'array', items: { type: 'string' } },
      create_time: { type: 'string', format: 'date-time' },
    },
  },
  AclTokenInput: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string' },
      type: { type: 'string', enum: ['management', 'client'], default: 'client' },
      policies: { type: 'array', items: { type: 'string' }, description: 'At least one for a client token.' },
    },
  },
  AclSelf: {
    type: 'object',
    required: ['accessor_id', 'name', 'type', 'policies', 'rules', 'capabilities'],
    properties: {
      accessor_id: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string', enum: ['management', 'client', 'anonymous'] },
      policies: { type: 'array', items: { type: 'string' } },
      create_time: { type: 'string', format: 'date-time' },
      acl_enabled: { type: 'boolean' },
      rules: { ...aclRulesRef, description: 'The rules of every policy, merged; management tokens: `/**`.' },
      capabilities: {
        type: 'object',
        description: 'For each `path` asked for, the capabilities the token has on it.',
        additionalProperties: { type: 'array', items: { type: 'string' } },
      },
    },
  },
  AuditEntry: {
    type: 'object',
    required: ['id', 'time', 'token', 'source', 'action', 'job', 'diff'],
    properties: {
      id: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      token: { type: 'string', description: 'Token name, or `anonymous` with ACLs off.' },
      token_accessor: { type: 'string' },
      source: { type: 'string', description: 'Client address.' },
      action: { type: 'string', examples: ['job.create', 'job.run', 'acl.token.create', 'leave'] },
      job: { type: 'string', description: '`""` when the change concerns no job.' },
      diff: {
        type: ['object', 'null'],
        description: 'Changed fields by dotted path: `{"old": …, "new": …}`; secrets masked.',
        additionalProperties: { type: 'object', properties: { old: {}, new: {} } },
      },
      details: { type: ['object', 'null'] },
    },
  },
  SchedulePreview: {
    type: 'object',
    properties: {
      schedule: { type: 'string' },
      timezone: { type: 'string' },
      times: { type: 'array', items: { type: 'string', format: 'date-time' } },
    },
  },
  UpcomingRun: {
    type: 'object',
    properties: {
      job: { type: 'string' },
      displayname: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
    },
  },
  JobSlots: {
    type: 'object',
    properties: {
      job: { type: 'string' },
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
      total: { type: 'integer' },
      missed_count: { type: 'integer' },
      history_from: { type: ['string', 'null'], format: 'date-time' },
      slots: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            at: { type: 'string', format: 'date-time' },
            outcome: {
              type: 'string',
              enum: ['ran', 'skipped_forbid', 'outside_window', 'disabled', 'no_target', 'unknown', 'missed'],
            },
            status: { type: 'string' },
            execution: { type: 'string' },
            lag_ms: { type: 'integer' },
            blocked_by: { type: 'string' },
          },
        },
      },
    },
  },
  JobGraph: {
    type: 'object',
    properties: {
      job: { type: 'string' },
      ancestors: { type: 'array', items: { type: 'string' } },
      descendants: { type: 'array', items: { type: 'string' } },
      edges: {
        type: 'array',
        description: '`[parent, child]` pairs.',
        items: {
          type: 'array',
          prefixItems: [{ type: 'string' }, { type: 'string' }],
          minItems: 2,
          maxItems: 2,
        },
      },
    },
  },
} satisfies Record<string, JsonSchema>;
