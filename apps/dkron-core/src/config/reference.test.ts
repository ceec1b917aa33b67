import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS, optionEnv } from './options.js';
import { renderConfigReference } from './reference.js';

describe('docs/configuration.md', () => {
  it('is the reference generated from the option table (`npx --yes pnpm@10.34.9 run docs` rewrites it)', async () => {
    await expect(renderConfigReference()).toMatchFileSnapshot('../../../../docs/configuration.md');
  });

  it('names every option with its flag, variable and config key', () => {
    const page = renderConfigReference();
    for (const option of AGENT_OPTIONS) {
      expect(page, option.name).toContain(`\`${option.name}\``);
      if (!option.fileOnly) expect(page, option.name).toContain(`\`--${option.name}`);
      if (option.kind !== 'plugins') expect(page, option.name).toContain(`\`${optionEnv(option)}\``);
    }
  });
});
