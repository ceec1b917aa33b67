import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS } from './options.js';
import { REDACTED, redactArgv } from './redact.js';

describe('redactArgv', () => {
  it('replaces the values of secret options in every form, and keeps the rest', () => {
    const argv = [
      '/usr/bin/node',
      '/app/bin/dkron-core.js',
      'agent',
      '--server',
      '--mail-password',
      'hunter2',
      '--webhook-headers=Authorization: Bearer s3cret',
      '-encrypt',
      'a2V5a2V5a2V5a2V5a2V5aw==',
      '--node-name',
      'n1',
      '--rqlite-url',
      'http://user:pw@db:4001',
      '--',
      '--mail-password',
      'kept-after-dashdash',
    ];
    expect(redactArgv(argv)).toEqual([
      '/usr/bin/node',
      '/app/bin/dkron-core.js',
      'agent',
      '--server',
      '--mail-password',
      REDACTED,
      `--webhook-headers=${REDACTED}`,
      '-encrypt',
      REDACTED,
      '--node-name',
      'n1',
      '--rqlite-url',
      REDACTED,
      '--',
      '--mail-password',
      'kept-after-dashdash',
    ]);
  });

  it('marks every option that may carry a credential', () => {
    const secret = AGENT_OPTIONS.filter((o) => o.secret).map((o) => o.name);
    expect(secret).toEqual(
      expect.arrayContaining([
        'encrypt',
        'mail-password',
        'webhook-headers',
        'pre-webhook-headers',
        'webhook-endpoint',
        'pre-webhook-endpoint',
        'cronitor-endpoint',
        'rqlite-url',
      ]),
    );
    expect(secret).not.toContain('node-name');
  });

  it('leaves a trailing secret flag without value alone', () => {
    expect(redactArgv(['agent', '--mail-password'])).toEqual(['agent', '--mail-password']);
  });
});
