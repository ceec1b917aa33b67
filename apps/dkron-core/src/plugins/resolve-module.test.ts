import { describe, expect, it } from 'vitest';
import { exportTarget, isPathSpecifier, splitPackageSpecifier } from './resolve-module.js';

describe('exportTarget', () => {
  it('reads a string, a conditions object and a subpath map', () => {
    expect(exportTarget('./index.js', '.')).toBe('./index.js');
    expect(exportTarget({ types: './i.d.ts', import: './esm.js', require: './cjs.cjs' }, '.')).toBe(
      './esm.js',
    );
    expect(exportTarget({ '.': { node: { import: './n.js' } }, './sub': './sub.js' }, './sub')).toBe(
      './sub.js',
    );
  });

  it('skips require-only targets and takes the first usable array item', () => {
    expect(exportTarget({ require: './cjs.cjs' }, '.')).toBeUndefined();
    expect(exportTarget({ '.': [{ require: './a.cjs' }, './b.js'] }, '.')).toBe('./b.js');
  });

  it('expands * patterns', () => {
    expect(exportTarget({ './executors/*': './dist/executors/*.js' }, './executors/kafka')).toBe(
      './dist/executors/kafka.js',
    );
  });

  it('returns undefined for a subpath the package does not export', () => {
    expect(exportTarget({ '.': './i.js' }, './internal')).toBeUndefined();
  });
});

describe('specifiers', () => {
  it('tells paths from package names', () => {
    expect(['./a.js', '../a', '/abs/a.js', 'file:///a.js'].every(isPathSpecifier)).toBe(true);
    expect(['@acme/p', 'plugin', 'plugin/sub'].some(isPathSpecifier)).toBe(false);
  });

  it('splits scoped and unscoped names from their subpaths', () => {
    expect(splitPackageSpecifier('@acme/p/x/y')).toEqual({ name: '@acme/p', subpath: './x/y' });
    expect(splitPackageSpecifier('plugin')).toEqual({ name: 'plugin', subpath: '.' });
  });
});
