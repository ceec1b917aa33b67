import { randomBytes } from 'node:crypto';
import type { AccessStore, AuditEntry } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import type { Context } from 'hono';
import { actorOf } from '../acl/actor.js';
import { createAuditAppender } from './batcher.js';
import { diffDefinitions } from './diff.js';

/** One state change, as a route reports it. */
export interface AuditEvent {
  /** `job.create`, `job.update`, `job.delete`, `job.toggle`, `job.run`, `execution.cancel`, `restore`, `leave`, … */
  readonly action: string;
  readonly job?: string;
  /** The definition before (`null`: it did not exist); with `after`, it makes the diff. */
  readonly before?: unknown;
  /** The definition after (`null`: it is gone). */
  readonly after?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Records an event of the request `c`; never throws (a failure is logged). */
export type AuditRecorder = (c: Context, event: AuditEvent) => Promise<void>;

interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } };
}

/**
 * The client's address as the socket shows it (`@hono/node-server` passes the request as
 * `c.env.incoming`). Forwarding headers are not trusted: anyone can send them.
 */
export function sourceOf(c: Context): string {
  const address = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

let sequence = 0;

/**
 * An entry id that sorts in the order the entries were made, even within one millisecond (the
 * store orders by time, then id): the time, a per-process sequence, then random bits so two
 * servers never collide.
 */
export function auditId(timeMs: number): string {
  sequence = (sequence + 1) % 0x1_0000_0000;
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `${hex(timeMs, 12)}-${hex(sequence, 8)}-${randomBytes(6).toString('hex')}`;
}

/** Options of {@link createAuditRecorder}. */
export interface AuditRecorderOptions {
  readonly store: AccessStore | undefined;
  readonly logger: Logger | undefined;
  /** Epoch ms; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Writes audit entries: who (the request's token, or `anonymous`), from where, what, which job and
 * the definition's diff. The change is already made when this runs, so a failing write is logged as
 * an error and the request still succeeds.
 */
export function createAuditRecorder(options: AuditRecorderOptions): AuditRecorder {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  if (!store) return async () => {};
  // Concurrent requests share one store write (see createAuditAppender).
  const append = createAuditAppender(store);
  return async (c, event) => {
    const actor = actorOf(c);
    const has = (key: 'before' | 'after') => Object.hasOwn(event, key);
    const time = now();
    const entry: AuditEntry = {
      id: auditId(time),
      time: new Date(time).toISOString(),
      token: actor.name,
      token_accessor: actor.accessor,
      source: sourceOf(c),
      action: event.action,
      job: event.job ?? '',
      diff: has('before') || has('after') ? diffDefinitions(event.before ?? null, event.after ?? null) : null,
      details: event.details ? { ...event.details } : null,
    };
    try {
      await append(entry);
    } catch (error) {
      logger?.error('audit entry not written', {
        action: entry.action,
        job: entry.job,
        token: entry.token,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
}
