import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';
import { formatLine } from './pretty-stream.js';

function capture(logLevel: 'debug' | 'info' | 'warn' | 'error', pretty = false) {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel, nodeName: 'node-1' },
    { destination: { write: (line: string) => lines.push(line) }, pretty },
  );
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with level, time, message and node', () => {
    const { logger, entries } = capture('info');
    logger.root.info({ port: 8080 }, 'listening');
    const [entry] = entries();
    expect(entry).toMatchObject({ level: 'info', node: 'node-1', msg: 'listening', port: 8080 });
    expect(typeof entry?.time).toBe('string');
  });

  it('drops lines below the configured level', () => {
    const { logger, entries } = capture('warn');
    logger.root.info('hidden');
    logger.root.warn('shown');
    expect(entries().map((e) => e.msg)).toEqual(['shown']);
  });

  it('adapts to the plugin-api Logger with bindings and fields', () => {
    const { logger, entries } = capture('debug');
    const log = logger.toPluginLogger({ plugin: 'p', job: 'j' });
    log.debug('d');
    log.error('failed', { error: new Error('boom'), attempt: 2 });
    const [d, e] = entries();
    expect(d).toMatchObject({ level: 'debug', msg: 'd', plugin: 'p', job: 'j', node: 'node-1' });
    expect(e).toMatchObject({
      level: 'error',
      msg: 'failed',
      plugin: 'p',
      attempt: 2,
      error: { message: 'boom' },
    });
  });

  it('writes readable text when pretty', () => {
    const { logger, lines } = capture('info', true);
    logger.root.info({ addr: ':8080', note: 'two words' }, 'started');
    expect(lines[0]).toMatch(/^\S+ INFO {2}started addr=:8080 note="two words" node=node-1\n$/);
  });
});

describe('formatLine', () => {
  it('passes through what is not JSON', () => {
    expect(formatLine('plain\n')).toBe('plain\n');
  });
});
