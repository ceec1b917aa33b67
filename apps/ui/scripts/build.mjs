#!/usr/bin/env node
// Builds the UI: type-checks it, bundles it with Vite into apps/ui/dist, and copies the result into
// apps/dkron-core/ui-dist, the folder the dkron-core package ships and serves at /ui.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ui = fileURLToPath(new URL('..', import.meta.url));
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const shipped = fileURLToPath(new URL('../../dkron-core/ui-dist', import.meta.url));
const require = createRequire(import.meta.url);

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', ui], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const { build } = await import('vite');
await build({ root: ui, logLevel: process.env.CI ? 'warn' : 'info' });

rmSync(shipped, { recursive: true, force: true });
cpSync(dist, shipped, { recursive: true });
console.log(`ui: built into ${shipped}`);
