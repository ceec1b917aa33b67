import { ACL_CAPABILITIES, type AclCapability, type AclPolicy, type AclRules } from '@dkron-core/kernel';
import { badRequest } from '../errors.js';
import { compileGlob, globProblem } from './glob.js';

type PathRules = Record<string, { capabilities: AclCapability[] }>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const READ_ONLY: PathRules = {
  '/v1': { capabilities: ['read'] },
  '/v1/members': { capabilities: ['read'] },
  '/v1/jobs': { capabilities: ['list', 'read'] },
  '/v1/jobs/*': { capabilities: ['read'] },
  '/v1/jobs/*/graph': { capabilities: ['read'] },
  '/v1/jobs/*/upcoming': { capabilities: ['read'] },
  '/v1/jobs/*/slots': { capabilities: ['read'] },
  '/v1/jobs/*/executions*': { capabilities: ['read'] },
  '/v1/jobs/*/executions/*': { capabilities: ['read'] },
  '/v1/leader': { capabilities: ['read'] },
  '/v1/isleader': { capabilities: ['read'] },
  '/v1/busy': { capabilities: ['read'] },
  '/v1/stats': { capabilities: ['read'] },
  '/v1/pause': { capabilities: ['read'] },
  '/v1/plugins': { capabilities: ['read'] },
  '/v1/upcoming': { capabilities: ['read'] },
  '/v1/openapi.json': { capabilities: ['read'] },
};

const DEFAULT: PathRules = {
  ...READ_ONLY,
  '/v1/jobs': { capabilities: ['list', 'read', 'create', 'update', 'delete'] },
  '/v1/jobs/*': { capabilities: ['create', 'read', 'update', 'delete'] },
  '/v1/jobs/*/run': { capabilities: ['create'] },
  '/v1/jobs/*/toggle': { capabilities: ['create'] },
  '/v1/jobs/*/executions*': { capabilities: ['read', 'delete'] },
  '/v1/leave': { capabilities: ['create'] },
  '/v1/restore': { capabilities: ['create'] },
  '/v1/pause': { capabilities: ['read', 'create'] },
  '/v1/unpause': { capabilities: ['create'] },
};

const BUILTIN_TIME = '0001-01-01T00:00:00Z';

/**
 * Dkron Pro's default and read-only policies, plus the routes Pro does not have (`/v1`, stats,
 * plugins, pause, the job graph, the OpenAPI document). Neither grants `/metrics`, `/debug/vars`,
 * `/v1/audit` or `/v1/acl/*`: those are for management tokens or policies that name them.
 */
export const BUILTIN_POLICIES: ReadonlyMap<string, AclPolicy> = new Map(
  (
    [
      [
        'default',
        'Everything a user of the API does: jobs, runs, executions, restore, pause, leave.',
        DEFAULT,
      ],
      [
        'read-only',
        'Read and list members, jobs, executions, schedules, leader, busy, stats and plugins.',
        READ_ONLY,
      ],
    ] as const
  ).map(([name, description, path]) => [
    name,
    {
      name,
      description,
      rules: validateRules({ path }),
      create_time: BUILTIN_TIME,
      modify_time: BUILTIN_TIME,
    },
  ]),
);

/**
 * Checks a policy's rules (Dkron Pro's JSON: `{"path": {"<glob>": {"capabilities": [...]}}}`) and
 * returns them with duplicate capabilities removed. Every problem is a 400 naming the key.
 */
export function validateRules(raw: unknown): AclRules {
  if (!isObject(raw))
    throw badRequest('rules', 'expected an object like {"path": {"/v1/jobs": {"capabilities": ["read"]}}}');
  for (const key of Object.keys(raw))
    if (key !== 'path') throw badRequest(`rules.${key}`, 'unknown key (only "path")');
  if (!isObject(raw.path)) throw badRequest('rules.path', 'expected an object of path globs');
  const path: PathRules = {};
  for (const [glob, rule] of Object.entries(raw.path)) {
    const field = `rules.path[${JSON.stringify(glob)}]`;
    const problem = globProblem(glob);
    if (problem) throw badRequest(field, problem);
    if (!isObject(rule)) throw badRequest(field, 'expected {"capabilities": [...]}');
    for (const key of Object.keys(rule)) {
      if (key !== 'capabilities') throw badRequest(`${field}.${key}`, 'unknown key (only "capabilities")');
    }
    const capabilities = rule.capabilities;
    if (!Array.isArray(capabilities)) throw badRequest(`${field}.capabilities`, 'expected a list');
    const unknown = capabilities.filter((c) => !ACL_CAPABILITIES.includes(c as AclCapability));
    if (unknown.length > 0) {
      throw badRequest(
        `${field}.capabilities`,
        `unknown capability ${JSON.stringify(unknown[0])} (use ${ACL_CAPABILITIES.join(', ')})`,
      );
    }
    path[glob] = { capabilities: ACL_CAPABILITIES.filter((c) => capabilities.includes(c)) };
  }
  return { path };
}

/** Compiled rules: which capabilities a path has. */
export interface Grants {
  /** The capabilities granted on `path` (the union over every matching glob). */
  on(path: string): ReadonlySet<AclCapability>;
  /** True when a glob with `capability` matches every job name (`/v1/jobs/*`, `/v1/**`, …). */
  onEveryJob(suffix: string, capability: AclCapability): boolean;
  /** The rules merged: every glob with the union of its capabilities. */
  readonly merged: AclRules;
}

/** Compiles the rules of `policies` into {@link Grants}. */
export function compileGrants(policies: readonly AclPolicy[]): Grants {
  const merged: PathRules = {};
  for (const policy of policies) {
    for (const [glob, rule] of Object.entries(policy.rules.path)) {
      const caps = new Set([...(merged[glob]?.capabilities ?? []), ...rule.capabilities]);
      merged[glob] = { capabilities: ACL_CAPABILITIES.filter((c) => caps.has(c)) };
    }
  }
  const compiled = Object.entries(merged).map(([glob, rule]) => ({
    regex: compileGlob(glob),
    capabilities: rule.capabilities,
  }));
  const on = (path: string) => {
    const out = new Set<AclCapability>();
    for (const rule of compiled) if (rule.regex.test(path)) for (const c of rule.capabilities) out.add(c);
    return out;
  };
  return {
    on,
    // No job name holds a NUL: a glob that matches one in the name's segment matches any name.
    onEveryJob: (suffix, capability) => on(`/v1/jobs/\u0000${suffix}`).has(capability),
    merged: { path: merged },
  };
}
