/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:…}` and `${file:…}` are the syntax under test. */
import { isDkronError, type Job } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { toJob } from '../job/index.js';
import { maskJobSecrets, SECRET_MASK, unmaskJobSecrets } from './mask.js';
import { hasSecretReference, resolveSecretReferences, type SecretSource } from './references.js';

const source: SecretSource = {
  env: (name) => ({ DB_PASS: 's3cret', TOKEN: 'tok-1', EMPTY: '' })[name],
  readFile: async (path) => {
    if (path === '/run/secrets/hook') return 'hook-pass\n';
    throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  },
};

function job(fields: Partial<Job>): Job {
  return { ...toJob({}), id: 'j', name: 'j', ...fields };
}

describe('secret references', () => {
  it('resolves whole values and ${…} inside strings, at any depth, leaving other values alone', async () => {
    const config = {
      command: 'deploy',
      password: 'env:DB_PASS',
      env: 'A=1,DB_PASS=${env:DB_PASS},HOOK=${file:/run/secrets/hook}',
      nested: { list: ['file:/run/secrets/hook', 3, true, null], empty: 'env:EMPTY' },
      shell: 'echo ${HOME} $DB_PASS env:notaname-',
    };
    expect(await resolveSecretReferences(config, 'executor_config', source)).toEqual({
      command: 'deploy',
      password: 's3cret',
      env: 'A=1,DB_PASS=s3cret,HOOK=hook-pass',
      nested: { list: ['hook-pass', 3, true, null], empty: '' },
      shell: 'echo ${HOME} $DB_PASS env:notaname-',
    });
  });

  it('fails naming the field and the reference when it cannot be resolved', async () => {
    const missing = await resolveSecretReferences({ a: { b: 'env:NOPE' } }, 'executor_config', source).catch(
      (e) => e,
    );
    expect(isDkronError(missing, 'CONFIG_INVALID')).toBe(true);
    expect(missing.message).toBe(
      'executor_config.a.b: secret reference env:NOPE: the variable NOPE is not set on this node',
    );
    const unreadable = await resolveSecretReferences('x=${file:/etc/none}', 'notify.webhook', source).catch(
      (e) => e,
    );
    expect(unreadable.message).toBe(
      'notify.webhook: secret reference file:/etc/none: cannot read it (ENOENT)',
    );
  });

  it('recognizes references', () => {
    expect(hasSecretReference('env:A_1')).toBe(true);
    expect(hasSecretReference('file:/a/b')).toBe(true);
    expect(hasSecretReference('x ${env:A} y')).toBe(true);
    expect(hasSecretReference('env:1A')).toBe(false);
    expect(hasSecretReference('file:relative')).toBe(false);
    expect(hasSecretReference('${HOME}')).toBe(false);
  });
});

describe('masking', () => {
  it('masks what reads as a secret in executor_config, processors and notify, and keeps references', () => {
    const masked = maskJobSecrets(
      job({
        executor_config: {
          command:
            "curl -H 'Authorization: Bearer abc' https://bob:hunter2@api.example/x --password=p4ss --token=$TOKEN",
          env: 'MODE=prod,DB_PASSWORD=p4ss,API_KEY=${env:API_KEY},EMPTY_TOKEN=',
          password: 'plain',
          api_key: 'env:API_KEY',
          headers: '["Authorization: Basic dTpw", "Accept: application/json"]',
          url: 'https://api.example/path',
        },
        processors: { log: { forward: 'true' }, files: { token: 'abc' } },
        notify: { on: 'failure', webhook: 'https://u:pw@hooks.example/${env:HOOK}' },
      }),
    );
    expect(masked.executor_config).toEqual({
      command: `curl -H 'Authorization: ${SECRET_MASK}' https://bob:${SECRET_MASK}@api.example/x --password=${SECRET_MASK} --token=$TOKEN`,
      env: `MODE=prod,DB_PASSWORD=${SECRET_MASK},API_KEY=\${env:API_KEY},EMPTY_TOKEN=`,
      password: SECRET_MASK,
      api_key: 'env:API_KEY',
      headers: `["Authorization: ${SECRET_MASK}", "Accept: application/json"]`,
      url: 'https://api.example/path',
    });
    expect(masked.processors).toEqual({ log: { forward: 'true' }, files: { token: SECRET_MASK } });
    // A reference is shown; the plain password next to it is not.
    expect(masked.notify).toEqual({
      on: 'failure',
      webhook: `https://u:${SECRET_MASK}@hooks.example/\${env:HOOK}`,
    });
    expect(maskJobSecrets(job({ notify: { webhook: 'https://u:pw@hooks.example/x' } })).notify).toEqual({
      webhook: `https://u:${SECRET_MASK}@hooks.example/x`,
    });
  });

  it('puts back a value the client sends as it was shown, and takes a changed one', () => {
    const stored = job({
      executor_config: { command: 'run --password=p4ss', password: 'plain', other: 'x' },
    });
    const shown = maskJobSecrets(stored).executor_config as Record<string, unknown>;
    const back = unmaskJobSecrets({ name: 'j', executor_config: { ...shown, other: 'y' } }, stored);
    expect(back.executor_config).toEqual({ command: 'run --password=p4ss', password: 'plain', other: 'y' });
    const changed = unmaskJobSecrets({ name: 'j', executor_config: { ...shown, password: 'new' } }, stored);
    expect(changed.executor_config).toMatchObject({ password: 'new', command: 'run --password=p4ss' });
    expect(unmaskJobSecrets({ name: 'j' }, stored)).toEqual({ name: 'j' });
  });
});
