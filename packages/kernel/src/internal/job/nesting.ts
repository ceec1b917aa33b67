/**
 * A bound on how deeply a posted body may nest. JSON.parse accepts any depth, but everything after it
 * that walks a value recursively (validation, config schemas, JSON.stringify on the way to the store)
 * overflows the stack somewhere between a few thousand and ten thousand levels, which would be a 500.
 * A job has no field that needs more than a handful of levels.
 */

import { DkronError } from '@dkron-core/plugin-api';

/** The deepest nesting a job body may have; the body object itself is level 1. */
export const MAX_JOB_DEPTH = 32;

/**
 * Throws `VALIDATION` when `value` nests objects or arrays deeper than `maxDepth`, naming the top-level
 * field it happens in. Walks iteratively (an explicit stack), so it cannot overflow itself.
 */
export function checkNesting(value: unknown, maxDepth: number = MAX_JOB_DEPTH): void {
  if (typeof value !== 'object' || value === null) return;
  const stack: { value: object; depth: number; field: string }[] = [{ value, depth: 1, field: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.depth > maxDepth) {
      const field = item.field === '' ? 'body' : item.field;
      throw new DkronError('VALIDATION', `${field}: nested deeper than ${maxDepth} levels`, {
        details: { field },
      });
    }
    const entries = Array.isArray(item.value) ? item.value.entries() : Object.entries(item.value);
    for (const [key, child] of entries) {
      if (typeof child !== 'object' || child === null) continue;
      stack.push({
        value: child,
        depth: item.depth + 1,
        field: item.field === '' ? String(key) : item.field,
      });
    }
  }
}
