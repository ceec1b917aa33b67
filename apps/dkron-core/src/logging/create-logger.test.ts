import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

const BUILT = fileURLToPath(new URL('../../dist/logging/create-logger.js', import.meta.url));

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

describe('createLogger on a stdout that fails', () => {
  it('survives ENOSPC on stdout (a full disk under a redirect) instead of dying of an unhandled error', async () => {
    // The built module, in a process of its own whose stdout is /dev/full (every write: ENOSPC).
    const script = `
      const { createLogger } = await import(${JSON.stringify(BUILT)});
      const logger = createLogger({ logLevel: 'info', nodeName: 'n' }, { pretty: false });
      for (let i = 0; i < 5000; i++) logger.root.info({ i, pad: 'x'.repeat(100) }, 'line');
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 100; i++) logger.root.info('more');
      process.stderr.write('still alive\\n');
    `;
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', full, 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(stderr).toBe('still alive\n');
      expect(code).toBe(0);
    } finally {
      closeSync(full);
    }
  });
});
