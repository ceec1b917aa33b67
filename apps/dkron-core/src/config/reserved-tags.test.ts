import { createLocalCluster } from '@dkron-core/kernel';
import { describe, expect, it } from 'vitest';
import { RESERVED_TAGS } from './options.js';

describe('RESERVED_TAGS', () => {
  it('are exactly the tags a node sets itself, so no user tag is silently overwritten', () => {
    const own = createLocalCluster({
      nodeName: 'n',
      server: true,
      version: '0.0.0',
      tags: { user: 'kept' },
    }).self().Tags;
    expect(own.user).toBe('kept');
    expect(
      Object.keys(own)
        .filter((k) => k !== 'user')
        .sort(),
    ).toEqual(Object.keys(RESERVED_TAGS).sort());
  });

  it('overwrite a user value of the same name (what refusing them at start prevents)', () => {
    const tags = Object.fromEntries(Object.keys(RESERVED_TAGS).map((k) => [k, 'mine']));
    const own = createLocalCluster({ nodeName: 'n', server: true, version: '0.0.0', tags }).self().Tags;
    for (const name of Object.keys(RESERVED_TAGS)) expect(own[name], name).not.toBe('mine');
  });
});
