import { defaultJob, type Job } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { retryNodeOf } from './attempts.js';

const job = (tags: Record<string, string>): Job => ({ ...defaultJob('j'), tags });
const node = (name: string, tags: Record<string, string>, alive = true) => ({ name, tags, alive });

describe('retryNodeOf', () => {
  const candidates = [node('a1', { tier: 'web' }), node('a2', { tier: 'web' }), node('d1', { tier: 'db' })];

  it('retries where the attempt ran while that node is a member', () => {
    expect(retryNodeOf(job({ tier: 'web' }), 'a2', candidates, () => 0)).toBe('a2');
  });

  it('moves a retry to another node the tags select when the node is gone', () => {
    expect(retryNodeOf(job({ tier: 'web' }), 'gone', candidates, () => 0)).toBe('a1');
    expect(retryNodeOf(job({ tier: 'db:1' }), 'gone', candidates, () => 0.9)).toBe('d1');
  });

  it('keeps the node when no other matches (the dispatch is refused with the reason)', () => {
    expect(retryNodeOf(job({ tier: 'gpu' }), 'gone', candidates, () => 0)).toBe('gone');
  });
});
