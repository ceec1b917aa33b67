import { describe, expect, it } from 'vitest';
import { cleanTags } from './clean-tags.js';

describe('cleanTags', () => {
  it('strips :count and returns the smallest count', () => {
    expect(cleanTags({ role: 'web:3', dc: 'east:1', os: 'linux' })).toEqual({
      tags: { role: 'web', dc: 'east', os: 'linux' },
      cardinality: 1,
    });
  });

  it('is unlimited when no tag has a count', () => {
    expect(cleanTags({ role: 'web' })).toEqual({ tags: { role: 'web' }, cardinality: Infinity });
    expect(cleanTags({})).toEqual({ tags: {}, cardinality: Infinity });
    expect(cleanTags(null)).toEqual({ tags: {}, cardinality: Infinity });
  });

  it('treats a non-numeric count as 0', () => {
    expect(cleanTags({ role: 'web:many' })).toEqual({ tags: { role: 'web' }, cardinality: 0 });
    expect(cleanTags({ role: 'web:' })).toEqual({ tags: { role: 'web' }, cardinality: 0 });
    expect(cleanTags({ role: 'web:1.5' })).toEqual({ tags: { role: 'web' }, cardinality: 0 });
  });

  it('treats a negative count as 0 instead of crashing like Dkron', () => {
    expect(cleanTags({ role: 'web:-2' }).cardinality).toBe(0);
  });

  it('accepts a signed count like Go strconv.Atoi', () => {
    expect(cleanTags({ role: 'web:+2' }).cardinality).toBe(2);
  });

  it('reads a count only when the value has exactly one colon (Dkron)', () => {
    expect(cleanTags({ addr: 'host:80:2' })).toEqual({ tags: { addr: 'host' }, cardinality: Infinity });
  });
});
