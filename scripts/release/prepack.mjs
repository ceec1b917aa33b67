#!/usr/bin/env node
/**
 * The `prepack` of every published package (run by `pnpm pack` and `pnpm publish`, so by
 * `changeset publish`): refuses a packer that would ship `workspace:` ranges, rebuilds the package's
 * `dist` from scratch so no stale or orphaned output is shipped, and copies the repository's LICENSE
 * into the package so it is in the tarball.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];
const usesWorkspaceProtocol = DEPENDENCY_FIELDS.some((field) =>
  Object.values(manifest[field] ?? {}).some((range) => String(range).startsWith('workspace:')),
);
// npm and yarn v1 pack package.json as it is; only pnpm rewrites `workspace:` ranges to versions.
const packer = process.env.npm_config_user_agent ?? '';
if (usesWorkspaceProtocol && !packer.startsWith('pnpm/')) {
  console.error(
    `${manifest.name}: refusing to pack with ${packer.split(' ')[0] || 'an unknown tool'}: package.json has ` +
      '`workspace:` ranges that only pnpm rewrites. Release with `npx --yes pnpm@10.34.9 release` ' +
      '(changeset publish), or pack with `pnpm pack`.',
  );
  process.exit(1);
}

rmSync(join(dir, 'dist'), { recursive: true, force: true });
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error(`${manifest.name}: build failed; nothing packed`);
  process.exit(build.status ?? 1);
}
copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
