import { describe, expect, it } from 'vitest';
import { buildEnv } from './env.js';

describe('buildEnv', () => {
  it('appends the job entries and ENV_JOB_NAME to the agent environment, later entries winning', () => {
    const env = buildEnv(
      { PATH: '/bin', KEEP: 'x', FOO: 'agent' },
      'FOO=job, BAR=a=b,EMPTY=,junk,=nokey',
      'backup',
    );
    expect(env).toEqual({
      PATH: '/bin',
      KEEP: 'x',
      FOO: 'job',
      BAR: 'a=b',
      EMPTY: '',
      ENV_JOB_NAME: 'backup',
    });
  });

  it('does not let the job override ENV_JOB_NAME, and leaves the base untouched', () => {
    const base = { PATH: '/bin' };
    expect(buildEnv(base, 'ENV_JOB_NAME=fake', 'real').ENV_JOB_NAME).toBe('real');
    expect(base).toEqual({ PATH: '/bin' });
  });
});
