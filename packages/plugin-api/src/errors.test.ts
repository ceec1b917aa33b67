import { describe, expect, it, vi } from 'vitest';
import { DkronError, isDkronError, toPluginError } from './errors.js';

// A second instance of this module (fresh registry), as when two copies of the package are installed.
async function otherCopy(): Promise<typeof import('./errors.js')> {
  vi.resetModules();
  return import('./errors.js');
}

describe('DkronError', () => {
  it('carries code, message, details and cause', () => {
    const cause = new Error('root');
    const error = new DkronError('VALIDATION', 'name cannot be empty', { details: { field: 'name' }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DkronError');
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('name cannot be empty');
    expect(error.details).toEqual({ field: 'name' });
    expect(error.cause).toBe(cause);
  });

  it('defaults details to {} and sets no cause', () => {
    const error = new DkronError('INTERNAL', 'bug');
    expect(error.details).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('keeps its brand out of JSON and enumeration', () => {
    const error = new DkronError('NOT_FOUND', 'x', { details: { job: 'a' } });
    expect(Object.keys(error)).not.toContain(Symbol.for('dkron-core.error'));
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'DkronError',
      code: 'NOT_FOUND',
      details: { job: 'a' },
    });
  });
});

describe('isDkronError', () => {
  it('recognises a DkronError and filters by code', () => {
    const error = new DkronError('CONFLICT', 'busy');
    expect(isDkronError(error)).toBe(true);
    expect(isDkronError(error, 'CONFLICT')).toBe(true);
    expect(isDkronError(error, 'NOT_FOUND', 'CONFLICT')).toBe(true);
    expect(isDkronError(error, 'NOT_FOUND')).toBe(false);
  });

  it('rejects look-alikes and non-errors', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'DkronError', code: 'VALIDATION', details: {} });
    for (const value of [lookAlike, new Error('x'), 'VALIDATION', null, undefined, 42, {}]) {
      expect(isDkronError(value)).toBe(false);
    }
  });

  it('recognises errors made by another copy of the package (Symbol.for brand)', async () => {
    const copy = await otherCopy();
    expect(copy.DkronError).not.toBe(DkronError);
    const foreign = new copy.DkronError('PAUSED', 'paused');
    expect(foreign instanceof DkronError).toBe(false);
    expect(isDkronError(foreign)).toBe(true);
    expect(isDkronError(foreign, 'PAUSED')).toBe(true);
    expect(copy.isDkronError(new DkronError('TIMEOUT', 'late'), 'TIMEOUT')).toBe(true);
  });

  it('recognises a plain object carrying the shared brand', () => {
    const branded = { [Symbol.for('dkron-core.error')]: true, code: 'UNAVAILABLE', message: 'down' };
    expect(isDkronError(branded, 'UNAVAILABLE')).toBe(true);
    expect(isDkronError({ [Symbol.for('dkron-core.error')]: 'yes', code: 'UNAVAILABLE' })).toBe(false);
  });
});

describe('toPluginError', () => {
  const where = { plugin: '@dkron-core/executor-shell', job: 'backup', execution: '123-node1' };

  it('wraps an Error as PLUGIN_FAILED naming the plugin, job and execution', () => {
    const thrown = new TypeError('cannot read x');
    const error = toPluginError(thrown, where);
    expect(isDkronError(error, 'PLUGIN_FAILED')).toBe(true);
    expect(error.message).toBe('plugin @dkron-core/executor-shell failed: cannot read x');
    expect(error.details).toEqual(where);
    expect(error.cause).toBe(thrown);
  });

  it('wraps thrown non-errors', () => {
    expect(toPluginError('boom', { plugin: 'p' }).message).toBe('plugin p failed: boom');
    expect(toPluginError(undefined, { plugin: 'p' }).message).toBe('plugin p failed: undefined');
    expect(toPluginError({ toString: () => 'obj' }, { plugin: 'p' }).message).toBe('plugin p failed: obj');
  });

  it('keeps the code and message of a DkronError and adds the names to its details', () => {
    const thrown = new DkronError('TIMEOUT', 'took too long', {
      details: { field: 'executor_config.timeout' },
    });
    const error = toPluginError(thrown, where);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('took too long');
    expect(error.details).toEqual({ field: 'executor_config.timeout', ...where });
    expect(error.cause).toBe(thrown);
  });

  it('keeps the code of a DkronError from another copy', async () => {
    const copy = await otherCopy();
    const error = toPluginError(new copy.DkronError('CANCELLED', 'stopped'), { plugin: 'p' });
    expect(error).toBeInstanceOf(DkronError);
    expect(error.code).toBe('CANCELLED');
    expect(error.details).toEqual({ plugin: 'p' });
  });
});
