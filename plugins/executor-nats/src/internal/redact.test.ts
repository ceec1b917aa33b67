import { describe, expect, it } from 'vitest';
import { redact, redactUrl, secretsOf } from './redact.js';

describe('redaction', () => {
  it('hides the password of a URL', () => {
    expect(redactUrl('nats://alice:pw@host:4222')).toBe('nats://alice:***@host:4222');
    expect(redactUrl('nats://host:4222')).toBe('nats://host:4222');
    expect(redactUrl('tls://:token@host')).toBe('tls://:***@host');
  });

  it('removes every known secret from a text, URL-encoded ones included', () => {
    const secrets = secretsOf('p4ss', ['nats://bob:s%40cret@h:1', 'h:2']);
    expect(secrets).toEqual(['s%40cret', 's@cret', 'p4ss']);
    expect(redact('bad p4ss and s@cret at nats://bob:s%40cret@h:1', secrets)).toBe(
      'bad *** and *** at nats://bob:***@h:1',
    );
  });
});
