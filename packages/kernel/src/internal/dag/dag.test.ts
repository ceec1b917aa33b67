import { isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import {
  ancestors,
  checkParentChange,
  childrenOf,
  type DagJob,
  descendants,
  jobGraph,
  restoreOrder,
} from './dag.js';

const j = (name: string, parent_job = ''): DagJob => ({ name, parent_job });

//      a          x
//    /   \
//   b     c
//   |
//   d
const tree = [j('a'), j('b', 'a'), j('c', 'a'), j('d', 'b'), j('x')];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('childrenOf / ancestors / descendants', () => {
  it('lists direct children in input order', () => {
    expect(childrenOf(tree, 'a')).toEqual(['b', 'c']);
    expect(childrenOf(tree, 'd')).toEqual([]);
    expect(childrenOf(tree, 'missing')).toEqual([]);
  });

  it('walks ancestors nearest first', () => {
    expect(ancestors(tree, 'd')).toEqual(['b', 'a']);
    expect(ancestors(tree, 'a')).toEqual([]);
  });

  it('stops at a parent that is not in the set', () => {
    expect(ancestors([j('c', 'b'), j('b', 'gone')], 'c')).toEqual(['b']);
  });

  it('walks descendants breadth-first', () => {
    expect(descendants(tree, 'a')).toEqual(['b', 'c', 'd']);
    expect(descendants(tree, 'x')).toEqual([]);
  });

  it('terminates on corrupt data that contains a cycle', () => {
    const corrupt = [j('p', 'q'), j('q', 'p'), j('r', 'p')];
    expect(ancestors(corrupt, 'r')).toEqual(['p', 'q']);
    expect(descendants(corrupt, 'p')).toEqual(['q', 'r']);
  });

  it('handles a deep chain without recursion limits', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => j(`n${i}`, i === 0 ? '' : `n${i - 1}`));
    expect(ancestors(chain, 'n4999')).toHaveLength(4999);
    expect(descendants(chain, 'n0')).toHaveLength(4999);
    expect(descendants(chain, 'n0').at(-1)).toBe('n4999');
  });
});

describe('checkParentChange', () => {
  it('accepts a valid parent and no parent', () => {
    expect(() => checkParentChange(tree, 'x', 'd')).not.toThrow();
    expect(() => checkParentChange(tree, 'new', 'a')).not.toThrow();
    expect(() => checkParentChange(tree, 'b', '')).not.toThrow();
    // Moving within the tree without a loop.
    expect(() => checkParentChange(tree, 'c', 'd')).not.toThrow();
  });

  it('refuses a missing parent with Dkron text and NOT_FOUND', () => {
    const error = thrown(() => checkParentChange(tree, 'x', 'nope'));
    expect(isDkronError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe('specified parent job not found');
  });

  it('refuses a cycle of length 1', () => {
    const error = thrown(() => checkParentChange(tree, 'a', 'a'));
    expect(isDkronError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toBe('setting parent_job of "a" to "a" would create a cycle: a -> a');
  });

  it('refuses a cycle of length 2', () => {
    const error = thrown(() => checkParentChange(tree, 'b', 'd'));
    expect((error as Error).message).toBe(
      'setting parent_job of "b" to "d" would create a cycle: b -> d -> b',
    );
    expect(isDkronError(error, 'VALIDATION') && error.details.field).toBe('parent_job');
  });

  it('refuses a cycle of length 3 and more', () => {
    expect(() => checkParentChange(tree, 'a', 'd')).toThrow(
      'setting parent_job of "a" to "d" would create a cycle: a -> d -> b -> a',
    );
    const chain = Array.from({ length: 50 }, (_, i) => j(`n${i}`, i === 0 ? '' : `n${i - 1}`));
    const error = thrown(() => checkParentChange(chain, 'n0', 'n49')) as Error;
    expect(
      error.message.startsWith('setting parent_job of "n0" to "n49" would create a cycle: n0 -> n49 -> n48'),
    ).toBe(true);
    expect(error.message.endsWith('n1 -> n0')).toBe(true);
  });
});

describe('restoreOrder', () => {
  it('puts parents before children, subtree by subtree', () => {
    const shuffled = [j('d', 'b'), j('x'), j('c', 'a'), j('b', 'a'), j('a')];
    expect(restoreOrder(shuffled).map((job) => job.name)).toEqual(['x', 'a', 'c', 'b', 'd']);
  });

  it('keeps the extra fields of the jobs', () => {
    const jobs = [
      { name: 'c', parent_job: 'p', schedule: '' },
      { name: 'p', parent_job: '', schedule: '@daily' },
    ];
    expect(restoreOrder(jobs)).toEqual([jobs[1], jobs[0]]);
  });

  it("refuses a child whose parent is not in the file (Dkron's message)", () => {
    const error = thrown(() => restoreOrder([j('a'), j('b', 'zzz')]));
    expect(isDkronError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toBe("the job doesn't have a parent job set");
  });

  it('accepts parents that already exist when told so', () => {
    expect(restoreOrder([j('b', 'stored'), j('c', 'b')], new Set(['stored'])).map((x) => x.name)).toEqual([
      'b',
      'c',
    ]);
  });

  it('refuses duplicates and cycles', () => {
    expect(() => restoreOrder([j('a'), j('a')])).toThrow('duplicate job "a" in the restored jobs');
    expect(() => restoreOrder([j('r'), j('p', 'q'), j('q', 'p'), j('s', 'q')])).toThrow(
      'the restored jobs contain a cycle: p -> q -> p',
    );
    expect(() => restoreOrder([j('solo', 'solo')])).toThrow(
      'the restored jobs contain a cycle: solo -> solo',
    );
  });

  it('builds Dkron restore test tree (8 jobs, 3 roots)', () => {
    const jobs = [
      j('r1'),
      j('r2'),
      j('r3'),
      j('c1', 'r1'),
      j('c2', 'r1'),
      j('c3', 'c1'),
      j('c4', 'r2'),
      j('c5', 'c3'),
    ];
    const order = restoreOrder(jobs).map((x) => x.name);
    expect(order).toEqual(['r1', 'c1', 'c3', 'c5', 'c2', 'r2', 'c4', 'r3']);
  });
});

describe('jobGraph', () => {
  it('returns ancestors, descendants and the edges between them', () => {
    expect(jobGraph(tree, 'b')).toEqual({
      job: 'b',
      ancestors: ['a'],
      descendants: ['d'],
      edges: [
        ['a', 'b'],
        ['b', 'd'],
      ],
    });
    expect(jobGraph(tree, 'a').edges).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'd'],
    ]);
    expect(jobGraph(tree, 'd').edges).toEqual([
      ['a', 'b'],
      ['b', 'd'],
    ]);
    expect(jobGraph(tree, 'x')).toEqual({ job: 'x', ancestors: [], descendants: [], edges: [] });
  });

  it('is NOT_FOUND for an unknown job', () => {
    expect(
      isDkronError(
        thrown(() => jobGraph(tree, 'nope')),
        'NOT_FOUND',
      ),
    ).toBe(true);
  });
});

describe('restoreOrder on deep chains', () => {
  it('orders a 20 000-deep chain given backwards', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => j(`n${i}`, i === 0 ? '' : `n${i - 1}`)).reverse();
    const order = restoreOrder(chain);
    expect(order[0]?.name).toBe('n0');
    expect(order.at(-1)?.name).toBe('n19999');
  });
});
