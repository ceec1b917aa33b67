/** A binary min-heap of `(key, value)` pairs. Stale entries are skipped by the caller (lazy deletion). */
export class MinHeap<T> {
  private readonly keys: number[] = [];
  private readonly values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: T): void {
    this.keys.push(key);
    this.values.push(value);
    this.up(this.keys.length - 1);
  }

  /** Smallest key, or `undefined` when empty. */
  peekKey(): number | undefined {
    return this.keys[0];
  }

  /** Value with the smallest key, or `undefined` when empty. */
  peek(): T | undefined {
    return this.values[0];
  }

  pop(): T | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = this.values[0] as T;
    const lastKey = this.keys.pop() as number;
    const lastValue = this.values.pop() as T;
    if (n > 1) {
      this.keys[0] = lastKey;
      this.values[0] = lastValue;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const { keys, values } = this;
    const key = keys[i] as number;
    const value = values[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] as number) <= key) break;
      keys[i] = keys[parent] as number;
      values[i] = values[parent] as T;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  private down(i: number): void {
    const { keys, values } = this;
    const n = keys.length;
    const key = keys[i] as number;
    const value = values[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (keys[r] as number) < (keys[l] as number) ? r : l;
      if ((keys[c] as number) >= key) break;
      keys[i] = keys[c] as number;
      values[i] = values[c] as T;
      i = c;
    }
    keys[i] = key;
    values[i] = value;
  }
}
