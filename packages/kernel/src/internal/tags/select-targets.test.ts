import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { selectTargets } from './select-targets.js';

interface Node {
  name: string;
  tags: Record<string, string>;
  alive: boolean;
}

// Three servers as in Dkron's agent_test: all share role/server tags, each has its own `tag` value.
const servers: Node[] = [
  { name: 'test1', tags: { role: 'test', server: 'true', tag: 'test', extra: 'tag1' }, alive: true },
  { name: 'test2', tags: { role: 'test', server: 'true', tag: 'test', extra: 'tag2' }, alive: true },
  { name: 'test3', tags: { role: 'test', server: 'true', tag: 'test2', extra: 'tag3' }, alive: true },
];

const names = (nodes: readonly Node[]) => nodes.map((n) => n.name).sort();
const pick = (tags: Record<string, string> | null, nodes = servers, seed = 1) =>
  selectTargets(tags, nodes, createRandom(seed));

describe('selectTargets (Dkron agent_test cases)', () => {
  it('cardinality 2 with two matching nodes runs on both', () => {
    expect(names(pick({ tag: 'test:2' }))).toEqual(['test1', 'test2']);
  });

  it('cardinality 1 runs on exactly one matching node', () => {
    for (let seed = 0; seed < 20; seed++) {
      const chosen = pick({ tag: 'test:1' }, servers, seed);
      expect(chosen).toHaveLength(1);
      expect(['test1', 'test2']).toContain(chosen[0]?.name);
    }
  });

  it('no tags runs on every alive node', () => {
    expect(names(pick(null))).toEqual(['test1', 'test2', 'test3']);
    expect(names(pick({}))).toEqual(['test1', 'test2', 'test3']);
  });

  it('an exclusive tag value selects the one node carrying it', () => {
    expect(names(pick({ tag: 'test2' }))).toEqual(['test3']);
  });

  it('an unmatched value selects no node', () => {
    expect(pick({ tag: 'no_tag' })).toEqual([]);
  });

  it('one unmatched tag among matched ones selects no node (AND)', () => {
    expect(pick({ role: 'test', tag: 'missing' })).toEqual([]);
  });

  it('uses the minimum cardinality across tags', () => {
    for (let seed = 0; seed < 20; seed++) {
      expect(pick({ role: 'test:3', server: 'true:1' }, servers, seed)).toHaveLength(1);
    }
  });

  it('an invalid cardinality selects no node', () => {
    expect(pick({ role: 'test:invalid' })).toEqual([]);
  });

  it('never selects a dead node', () => {
    const nodes = servers.map((n) => (n.name === 'test2' ? { ...n, alive: false } : n));
    expect(names(pick(null, nodes))).toEqual(['test1', 'test3']);
    expect(names(pick({ tag: 'test' }, nodes))).toEqual(['test1']);
  });

  it('returns distinct nodes and does not mutate the input', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, tags: { a: 'b' }, alive: true }));
    const before = nodes.map((n) => n.name);
    const chosen = selectTargets({ a: 'b:4' }, nodes, createRandom(7));
    expect(new Set(chosen.map((n) => n.name)).size).toBe(4);
    expect(nodes.map((n) => n.name)).toEqual(before);
  });

  it('keeps input order when every candidate runs', () => {
    expect(pick({ role: 'test:5' }).map((n) => n.name)).toEqual(['test1', 'test2', 'test3']);
  });

  it('survives a random source that returns values near 1', () => {
    const chosen = selectTargets({ role: 'test:2' }, servers, () => 0.999_999_999_999);
    expect(new Set(chosen.map((n) => n.name)).size).toBe(2);
  });
});

// Pearson's chi-square statistic of observed counts against equal expected counts.
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

describe('selectTargets uniformity (seeded, deterministic)', () => {
  it('picks each of 3 candidates equally often with cardinality 1 over 999 runs', () => {
    const random = createRandom(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 999; i++) {
      const [chosen] = selectTargets({ role: 'test:1' }, servers, random);
      counts.set(chosen?.name ?? '', (counts.get(chosen?.name ?? '') ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['test1', 'test2', 'test3']);
    // 2 degrees of freedom: 13.82 is the p = 0.001 critical value.
    expect(chiSquare([...counts.values()])).toBeLessThan(13.82);
  });

  it('picks each of the 10 pairs of 5 candidates equally often with cardinality 2', () => {
    const nodes = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, tags: { a: 'b' }, alive: true }));
    const random = createRandom(2024);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const key = names(selectTargets({ a: 'b:2' }, nodes, random)).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    // 9 degrees of freedom: 27.88 is the p = 0.001 critical value.
    expect(chiSquare([...counts.values()])).toBeLessThan(27.88);
  });

  it('detects a biased source (the test can fail)', () => {
    const counts = [0, 0, 0];
    const biased = () => 0.1;
    for (let i = 0; i < 999; i++) {
      const [chosen] = selectTargets({ role: 'test:1' }, servers, biased);
      counts[servers.findIndex((s) => s.name === chosen?.name)]! += 1;
    }
    expect(chiSquare(counts)).toBeGreaterThan(13.82);
  });
});
