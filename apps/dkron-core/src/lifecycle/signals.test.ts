import { EventEmitter } from 'node:events';
import type { Logger } from '@dkron-core/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { installSignalHandlers, type SignalSource } from './signals.js';

function setup(
  options: { onShutdown?: () => Promise<void>; onReload?: () => void; forceAfterMs?: number } = {},
) {
  const source = new EventEmitter();
  const lines: string[] = [];
  const logger: Logger = {
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  const exit = vi.fn<(code: number) => void>();
  const onShutdown = vi.fn(options.onShutdown ?? (() => Promise.resolve()));
  const handlers = installSignalHandlers({
    onShutdown,
    ...(options.onReload ? { onReload: options.onReload } : {}),
    ...(options.forceAfterMs === undefined ? {} : { forceAfterMs: options.forceAfterMs }),
    logger,
    source: source as unknown as SignalSource,
    exit,
  });
  const emit = (signal: NodeJS.Signals) => source.emit(signal, signal);
  return { source, lines, exit, onShutdown, handlers, emit };
}

describe('installSignalHandlers', () => {
  it('starts one graceful shutdown on SIGTERM', async () => {
    const t = setup();
    t.emit('SIGTERM');
    expect(t.handlers.shuttingDown).toBe(true);
    await t.handlers.shutdown('ignored');
    expect(t.onShutdown).toHaveBeenCalledTimes(1);
    expect(t.onShutdown).toHaveBeenCalledWith('SIGTERM');
    expect(t.exit).not.toHaveBeenCalled();
    expect(t.lines[0]).toMatch(/^info received SIGTERM; shutting down gracefully/);
  });

  it('forces exit 1 on a second signal while shutting down', async () => {
    let finish = () => {};
    const t = setup({ onShutdown: () => new Promise<void>((r) => (finish = r)) });
    t.emit('SIGINT');
    t.emit('SIGTERM');
    expect(t.onShutdown).toHaveBeenCalledTimes(1);
    expect(t.exit).toHaveBeenCalledWith(1);
    expect(t.lines).toContain('warn received SIGTERM again; exiting without waiting');
    finish();
  });

  it('shares the shutdown started programmatically (POST /v1/leave)', async () => {
    const t = setup();
    const a = t.handlers.shutdown('leave');
    const b = t.handlers.shutdown('again');
    expect(a).toBe(b);
    await a;
    expect(t.onShutdown).toHaveBeenCalledWith('leave');
    expect(t.onShutdown).toHaveBeenCalledTimes(1);
  });

  it('exits 1 when the shutdown fails', async () => {
    const t = setup({ onShutdown: () => Promise.reject(new Error('store stuck')) });
    t.emit('SIGTERM');
    await t.handlers.shutdown('x');
    expect(t.exit).toHaveBeenCalledWith(1);
    expect(t.lines).toContain('error shutdown failed');
  });

  it('forces the exit when the shutdown outlives forceAfterMs', async () => {
    vi.useFakeTimers();
    try {
      const t = setup({ onShutdown: () => new Promise<void>(() => {}), forceAfterMs: 1000 });
      t.emit('SIGTERM');
      await vi.advanceTimersByTimeAsync(999);
      expect(t.exit).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(t.exit).toHaveBeenCalledWith(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('logs SIGHUP as not supported without a reload handler', () => {
    const t = setup();
    t.emit('SIGHUP');
    expect(t.onShutdown).not.toHaveBeenCalled();
    expect(t.lines).toEqual([
      'info SIGHUP received: reload is not supported yet; restart the agent to apply changes',
    ]);
  });

  it('calls the reload handler on SIGHUP', async () => {
    const onReload = vi.fn();
    const t = setup({ onReload });
    t.emit('SIGHUP');
    await vi.waitFor(() => expect(t.lines).toContain('info configuration reloaded'));
    expect(onReload).toHaveBeenCalledTimes(1);
  });

  it('removes its listeners on dispose', () => {
    const t = setup();
    t.handlers.dispose();
    expect(
      t.source.listenerCount('SIGTERM') + t.source.listenerCount('SIGINT') + t.source.listenerCount('SIGHUP'),
    ).toBe(0);
  });
});
