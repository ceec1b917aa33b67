import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem } from './glob.js';
import { BUILTIN_POLICIES, compileGrants } from './policies.js';

describe('path globs', () => {
  it.each([
    ['/v1/jobs', '/v1/jobs', true],
    ['/v1/jobs', '/v1/jobs/a', false],
    ['/v1/jobs/*', '/v1/jobs/a', true],
    ['/v1/jobs/*', '/v1/jobs/a/run', false],
    ['/v1/jobs/team-a-*', '/v1/jobs/team-a-etl', true],
    ['/v1/jobs/team-a-*', '/v1/jobs/team-b-etl', false],
    ['/v1/jobs/*/executions*', '/v1/jobs/a/executions', true],
    ['/v1/jobs/*/executions*', '/v1/jobs/a/executions/1', false],
    ['/v1/**', '/v1/jobs/a/executions/1', true],
    ['/v1/jobs/**', '/v1/jobs', false],
    ['/v1/jobs.json', '/v1/jobsxjson', false],
    ['/v1/jobs/(a|b)', '/v1/jobs/a', false],
  ])('%s matches %s: %s', (glob, path, matches) => {
    expect(compileGlob(glob).test(path)).toBe(matches);
  });

  it('refuses what is no path', () => {
    expect(globProblem('v1')).toBe('must start with /');
    expect(globProblem('/v1/a?b')).toBe('may not contain spaces, control characters, ? or #');
    expect(globProblem('/v1/\u0000')).toBe('may not contain spaces, control characters, ? or #');
    expect(globProblem('/v1/***')).toBe('use * (one segment) or ** (any depth), not ***');
    expect(globProblem('/v1/jobs/ß-*')).toBeUndefined();
  });
});

describe('grants', () => {
  it('unions the capabilities of every matching glob of every policy', () => {
    const grants = compileGrants([...BUILTIN_POLICIES.values()]);
    expect([...grants.on('/v1/jobs/a')].sort()).toEqual(['create', 'delete', 'read', 'update']);
    expect([...grants.on('/v1/metrics')]).toEqual([]);
  });

  it('knows whether a rule covers every job name', () => {
    const policy = (path: Record<string, string[]>) => ({
      name: 'p',
      description: '',
      create_time: '',
      modify_time: '',
      rules: {
        path: Object.fromEntries(Object.entries(path).map(([g, c]) => [g, { capabilities: c as never }])),
      },
    });
    expect(compileGrants([policy({ '/v1/jobs/*': ['read'] })]).onEveryJob('', 'read')).toBe(true);
    expect(compileGrants([policy({ '/v1/**': ['read'] })]).onEveryJob('', 'read')).toBe(true);
    expect(compileGrants([policy({ '/v1/jobs/team-*': ['read'] })]).onEveryJob('', 'read')).toBe(false);
    expect(compileGrants([policy({ '/v1/jobs/*': ['update'] })]).onEveryJob('', 'read')).toBe(false);
  });
});
