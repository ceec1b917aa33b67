/**
 * The AccessStore contract: one suite every implementation of the kernel's AccessStore port must pass
 * (in memory and on rqlite). It checks only behaviour the port documents.
 */

import type { AccessStore, AclPolicy, AuditEntry, StoredAclToken } from '@dkron-core/kernel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A fresh, empty access store and how to dispose of it. */
export interface AccessStoreUnderTest {
  readonly store: AccessStore;
  cleanup(): Promise<void>;
}

/** A client token with test defaults. */
export function contractToken(accessor: string, overrides: Partial<StoredAclToken> = {}): StoredAclToken {
  return {
    accessor_id: accessor,
    secret_hash: `hash-of-${accessor}`,
    name: `token ${accessor}`,
    type: 'client',
    policies: ['default'],
    create_time: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

/** A policy with test defaults. */
export function contractPolicy(name: string, overrides: Partial<AclPolicy> = {}): AclPolicy {
  return {
    name,
    description: '',
    rules: { path: { '/v1/jobs': { capabilities: ['list', 'read'] } } },
    create_time: '2024-05-01T10:00:00Z',
    modify_time: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

/** An audit entry at `time` (RFC 3339). */
export function contractEntry(id: string, time: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    time,
    token: 'anonymous',
    token_accessor: '',
    source: '127.0.0.1',
    action: 'job.create',
    job: 'a',
    diff: { schedule: { old: null, new: '@daily' } },
    details: null,
    ...overrides,
  };
}

/** Registers the contract tests of one implementation. */
export function describeAccessStoreContract(name: string, open: () => Promise<AccessStoreUnderTest>): void {
  describe(`AccessStore contract: ${name}`, () => {
    let subject: AccessStoreUnderTest;
    let store: AccessStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup();
    });

    describe('tokens', () => {
      it('bootstraps once: a second token is refused, the same one retried is accepted', async () => {
        const first = contractToken('boot', { type: 'management', policies: [] });
        expect(await store.bootstrapToken(first)).toBe(true);
        expect(await store.bootstrapToken(first)).toBe(true);
        expect(await store.bootstrapToken(contractToken('second', { type: 'management' }))).toBe(false);
        expect((await store.listTokens()).map((t) => t.accessor_id)).toEqual(['boot']);
        expect(await store.getToken('boot')).toEqual(first);
      });

      it('stays bootstrapped after the bootstrap token is revoked', async () => {
        expect(await store.bootstrapToken(contractToken('boot', { type: 'management' }))).toBe(true);
        expect(await store.deleteToken('boot')).toBe(true);
        expect(await store.bootstrapToken(contractToken('again', { type: 'management' }))).toBe(false);
        expect(await store.listTokens()).toEqual([]);
      });

      it('creates tokens idempotently, finds them by secret hash, lists them oldest first', async () => {
        const a = contractToken('a', { create_time: '2024-05-01T10:00:02Z', secret_hash: 'h-a' });
        const b = contractToken('b', {
          create_time: '2024-05-01T10:00:01Z',
          secret_hash: 'h-b',
          policies: ['x', 'y'],
        });
        await store.createToken(a);
        await store.createToken(b);
        await store.createToken({ ...a, name: 'replayed' });
        expect(await store.tokenBySecretHash('h-b')).toEqual(b);
        expect(await store.tokenBySecretHash('h-a')).toEqual(a);
        expect(await store.tokenBySecretHash('nope')).toBeUndefined();
        expect((await store.listTokens()).map((t) => t.accessor_id)).toEqual(['b', 'a']);
      });

      it('revokes a token once', async () => {
        await store.createToken(contractToken('a'));
        expect(await store.deleteToken('a')).toBe(true);
        expect(await store.deleteToken('a')).toBe(false);
        expect(await store.getToken('a')).toBeUndefined();
        expect(await store.tokenBySecretHash('hash-of-a')).toBeUndefined();
      });
    });

    describe('policies', () => {
      it('creates and replaces a policy, keeping its create_time', async () => {
        const first = contractPolicy('team-a', { description: 'v1' });
        expect(await store.savePolicy(first)).toEqual(first);
        const second = contractPolicy('team-a', {
          description: 'v2',
          rules: { path: { '/v1/jobs/team-a-*': { capabilities: ['read', 'update'] } } },
          create_time: '2024-06-01T00:00:00Z',
          modify_time: '2024-06-01T00:00:00Z',
        });
        const stored = await store.savePolicy(second);
        expect(stored).toEqual({ ...second, create_time: first.create_time });
        expect(await store.getPolicy('team-a')).toEqual(stored);
        expect(await store.getPolicy('ghost')).toBeUndefined();
      });

      it('lists policies by name', async () => {
        for (const name of ['zeta', 'alpha', 'mid']) await store.savePolicy(contractPolicy(name));
        expect((await store.listPolicies()).map((p) => p.name)).toEqual(['alpha', 'mid', 'zeta']);
      });

      it('deletes a policy no token names, and refuses while one does', async () => {
        await store.savePolicy(contractPolicy('used'));
        await store.savePolicy(contractPolicy('free'));
        await store.createToken(contractToken('t', { policies: ['other', 'used'] }));
        expect(await store.deletePolicy('used')).toBe('in-use');
        expect(await store.deletePolicy('free')).toBe('deleted');
        expect(await store.deletePolicy('free')).toBe('missing');
        await store.deleteToken('t');
        expect(await store.deletePolicy('used')).toBe('deleted');
        expect(await store.listPolicies()).toEqual([]);
      });

      it('does not take a policy for used because a token names one with a longer name', async () => {
        await store.savePolicy(contractPolicy('ops'));
        await store.createToken(contractToken('t', { policies: ['ops-admin'] }));
        expect(await store.deletePolicy('ops')).toBe('deleted');
      });
    });

    describe('audit', () => {
      async function seed() {
        await store.appendAudit([
          contractEntry('e1', '2024-05-01T10:00:00.000Z', { job: 'a', action: 'job.create' }),
          contractEntry('e2', '2024-05-01T10:00:01.000Z', { job: 'b', action: 'job.create', token: 'ci' }),
          contractEntry('e3', '2024-05-01T10:00:01.000Z', { job: 'a', action: 'job.run', diff: null }),
          contractEntry('e4', '2024-05-02T00:00:00.000Z', {
            job: '',
            action: 'acl.token.create',
            token: 'root',
            token_accessor: 'acc-1',
            diff: null,
            details: { name: 'ci', policies: ['default'] },
          }),
        ]);
      }

      it('keeps every field and appends idempotently', async () => {
        await seed();
        await store.appendAudit([contractEntry('e1', '2030-01-01T00:00:00.000Z', { action: 'replayed' })]);
        const { entries, total } = await store.listAudit({});
        expect(total).toBe(4);
        expect(entries.find((e) => e.id === 'e1')).toEqual(
          contractEntry('e1', '2024-05-01T10:00:00.000Z', { job: 'a', action: 'job.create' }),
        );
        expect(entries.find((e) => e.id === 'e4')).toMatchObject({
          token: 'root',
          token_accessor: 'acc-1',
          diff: null,
          details: { name: 'ci', policies: ['default'] },
        });
      });

      it('lists newest first by default (ties by id), oldest first with ASC', async () => {
        await seed();
        expect((await store.listAudit({})).entries.map((e) => e.id)).toEqual(['e4', 'e3', 'e2', 'e1']);
        expect((await store.listAudit({ order: 'ASC' })).entries.map((e) => e.id)).toEqual([
          'e1',
          'e2',
          'e3',
          'e4',
        ]);
      });

      it('filters by job, token, action and time range, and slices after counting', async () => {
        await seed();
        const ids = async (query: Parameters<AccessStore['listAudit']>[0]) =>
          (await store.listAudit(query)).entries.map((e) => e.id);
        expect(await ids({ job: 'a' })).toEqual(['e3', 'e1']);
        expect(await ids({ token: 'ci' })).toEqual(['e2']);
        expect(await ids({ token: 'anonymous', action: 'job.create' })).toEqual(['e1']);
        const second = Date.parse('2024-05-01T10:00:01.000Z');
        expect(await ids({ sinceMs: second })).toEqual(['e4', 'e3', 'e2']);
        expect(await ids({ untilMs: second })).toEqual(['e1']);
        expect(await ids({ sinceMs: second, untilMs: second + 1 })).toEqual(['e3', 'e2']);
        const page = await store.listAudit({ start: 1, end: 3 });
        expect(page.entries.map((e) => e.id)).toEqual(['e3', 'e2']);
        expect(page.total).toBe(4);
        expect((await store.listAudit({ job: 'a', start: 1 })).total).toBe(2);
      });

      it('prunes entries older than a time', async () => {
        await seed();
        expect(await store.pruneAudit(Date.parse('2024-05-01T10:00:01.000Z'))).toBe(1);
        expect(await store.pruneAudit(Date.parse('2024-05-01T10:00:01.000Z'))).toBe(0);
        expect((await store.listAudit({})).entries.map((e) => e.id)).toEqual(['e4', 'e3', 'e2']);
      });
    });
  });
}
