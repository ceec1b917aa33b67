import type { Logger } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { type AgentConfig, defaultAgentConfig } from '../config/agent-config.js';
import { tagReloader } from './reload-tags.js';

function recording(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const base: AgentConfig = { ...defaultAgentConfig('/data'), tags: { tier: 'old' } };

describe('tagReloader', () => {
  it('applies new tags, and compares later reloads with them', async () => {
    const applied: Record<string, string>[] = [];
    const { logger, lines } = recording();
    let next: AgentConfig = { ...base, tags: { tier: 'new' } };
    const reload = tagReloader({
      current: base,
      load: async () => next,
      apply: (t) => void applied.push({ ...t }),
      logger,
    });
    await reload();
    expect(applied).toEqual([{ tier: 'new' }]);
    await reload();
    expect(applied).toHaveLength(1);
    expect(lines.at(-1)).toBe('info SIGHUP: tags unchanged');
    next = { ...base, tags: {} };
    await reload();
    expect(applied).toEqual([{ tier: 'new' }, {}]);
  });

  it('names the other options that changed (never their values) and applies only the tags', async () => {
    const applied: Record<string, string>[] = [];
    const { logger, lines } = recording();
    const next: AgentConfig = { ...base, tags: { tier: 'x' }, mailPassword: 'hunter2', logLevel: 'debug' };
    await tagReloader({
      current: base,
      load: async () => next,
      apply: (t) => void applied.push({ ...t }),
      logger,
    })();
    expect(applied).toEqual([{ tier: 'x' }]);
    expect(lines).toContain(
      'warn SIGHUP reloads tags only; restart the agent to apply: log-level, mail-password',
    );
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('changes nothing when the config does not load', async () => {
    const applied: unknown[] = [];
    const reload = tagReloader({
      current: base,
      load: async () => {
        throw new Error('tag "role" is reserved');
      },
      apply: (t) => void applied.push(t),
      logger: recording().logger,
    });
    await expect(reload()).rejects.toThrow(/reserved/);
    expect(applied).toEqual([]);
  });
});
