import { describe, expect, it } from 'vitest';
import { pluginProblem } from './check-plugin.js';

describe('pluginProblem', () => {
  it('accepts a well-formed plugin', () => {
    expect(pluginProblem({ name: 'x', apiVersion: 1, setup() {} })).toBeUndefined();
    expect(pluginProblem({ name: 'x', apiVersion: 1, setup() {}, close() {} })).toBeUndefined();
  });

  it.each([
    [null, 'a plugin must be an object with a name, an apiVersion and a setup function, got null'],
    [
      'shell',
      'a plugin must be an object with a name, an apiVersion and a setup function, got string "shell"',
    ],
    [
      () => ({}),
      'a plugin must be an object with a name, an apiVersion and a setup function, got a function (did you pass the factory instead of calling it?)',
    ],
    [{ apiVersion: 1, setup() {} }, 'a plugin must have a non-empty string name, got undefined'],
    [{ name: ' ', apiVersion: 1, setup() {} }, 'a plugin must have a non-empty string name, got string " "'],
    [{ name: 'p', setup() {} }, 'plugin p declares no apiVersion (this host supports 1)'],
    [
      { name: 'p', apiVersion: '1', setup() {} },
      'plugin p targets plugin API version "1", this host supports 1',
    ],
    [{ name: 'p', apiVersion: 1 }, 'plugin p has no setup function'],
    [{ name: 'p', apiVersion: 1, setup() {}, close: 3 }, 'plugin p: close must be a function when present'],
  ])('explains what is wrong with %j', (value, problem) => {
    expect(pluginProblem(value)).toBe(problem);
  });
});
