/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:…}` is the reference syntax. */
import { type AuditEntry, createMemoryAccessStore, SECRET_MASK } from '@dkron-core/kernel';
import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

const withSecrets = {
  name: 'deploy',
  schedule: '@daily',
  executor: 'shell',
  executor_config: {
    command: 'deploy --token=t0k3n',
    env: 'MODE=prod,DB_PASSWORD=p4ss,API_KEY=${env:API_KEY}',
  },
  processors: { files: { password: 'file:/run/secrets/files' } },
  owner_email: 'ops@example.com',
};

describe('secrets in job definitions', () => {
  it('are masked in every answer that shows the job; references are shown', async () => {
    const { call } = await setup();
    const saved = await call('POST', '/v1/jobs', withSecrets);
    for (const res of [
      saved,
      await call('GET', '/v1/jobs/deploy'),
      await call('GET', '/v1/jobs'),
      await call('POST', '/v1/jobs/deploy/toggle'),
    ]) {
      expect(res.text).not.toContain('t0k3n');
      expect(res.text).not.toContain('p4ss');
    }
    expect((await call('GET', '/v1/jobs/deploy')).json).toMatchObject({
      executor_config: {
        command: `deploy --token=${SECRET_MASK}`,
        env: `MODE=prod,DB_PASSWORD=${SECRET_MASK},API_KEY=\${env:API_KEY}`,
      },
      processors: { files: { password: 'file:/run/secrets/files' } },
    });
    const deleted = await call('DELETE', '/v1/jobs/deploy');
    expect(deleted.text).not.toContain('p4ss');
  });

  it('stay stored when a client saves back what it was shown (a UI form, a restore of a backup)', async () => {
    const { agent, call } = await setup();
    await call('POST', '/v1/jobs', withSecrets);
    const shown = (await call('GET', '/v1/jobs/deploy')).json as Record<string, unknown>;
    expect((await call('PUT', '/v1/jobs/deploy', { ...shown, displayname: 'Deploy' })).status).toBe(201);
    expect(await agent.job('deploy')).toMatchObject({
      displayname: 'Deploy',
      executor_config: withSecrets.executor_config,
    });
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify([shown])]), 'backup.json');
    expect((await call('POST', '/v1/restore', form)).status).toBe(200);
    expect((await agent.job('deploy'))?.executor_config).toEqual(withSecrets.executor_config);
  });

  it('never reach the audit log', async () => {
    const store = createMemoryAccessStore();
    const { call } = await setup({ access: { store } });
    await call('POST', '/v1/jobs', withSecrets);
    await call('POST', '/v1/jobs', {
      ...withSecrets,
      executor_config: { ...withSecrets.executor_config, command: 'deploy --token=n3w' },
    });
    const log = (await store.listAudit({ order: 'ASC' })).entries as AuditEntry[];
    expect(log).toHaveLength(2);
    for (const secret of ['t0k3n', 'n3w', 'p4ss', 'hunter2'])
      expect(JSON.stringify(log)).not.toContain(secret);
    // The change still shows: a masked value that changed is not the same masked value.
    expect(log[1]?.diff).toEqual({});
  });
});
