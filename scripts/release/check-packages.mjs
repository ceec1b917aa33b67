#!/usr/bin/env node
/**
 * Checks every publishable package under packages/, plugins/ and apps/ (found, not listed): its
 * package.json (rules.mjs), then packs it with pnpm (which runs its prepack build) and checks the
 * tarball: the files in it (rules.mjs), publint (strict) and @arethetypeswrong/cli (ESM-only profile).
 *
 *   node scripts/release/check-packages.mjs [--out <dir>]
 *
 * The tarballs are left in `--out` (default: a temporary folder) for smoke-install.mjs. Exits 1 when
 * any package has a problem, after listing all of them.
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  hasReadme,
  listPackages,
  manifestProblems,
  REPO_ROOT,
  tarballProblems,
  workspaceVersions,
} from './rules.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'dkron-core-packs-'));
mkdirSync(out, { recursive: true });

const PNPM = ['--yes', 'pnpm@10.34.9'];
const bin = (name) => join(REPO_ROOT, 'node_modules', '.bin', name);
const license = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');

function run(command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/** Every file of an unpacked tarball, by path inside `package/`. */
function readTree(dir, prefix = '') {
  const files = new Map();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readTree(path, key)) files.set(k, v);
    else files.set(key, readFileSync(path));
  }
  return files;
}

const failures = [];
let checked = 0;
const packages = listPackages(REPO_ROOT);
const versions = workspaceVersions(packages);
for (const { dir, manifest } of packages) {
  if (manifest.private) {
    console.log(`- ${dir}: private, not published`);
    continue;
  }
  checked++;
  const abs = join(REPO_ROOT, dir);
  const problems = manifestProblems(manifest, dir, { hasReadme: hasReadme(abs), versions });

  const before = new Set(readdirSync(out));
  const packed = run('npx', [...PNPM, 'pack', '--pack-destination', out], abs);
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz') && !before.has(f));
  if (!packed.ok || !tarball) {
    problems.push(`pnpm pack failed:\n${packed.output}`);
  } else {
    const path = join(out, tarball);
    const unpacked = mkdtempSync(join(tmpdir(), 'dkron-core-unpack-'));
    const untar = run('tar', ['-xzf', path, '-C', unpacked], REPO_ROOT);
    if (!untar.ok) problems.push(`tar failed: ${untar.output}`);
    else problems.push(...tarballProblems(readTree(join(unpacked, 'package')), { license }));
    rmSync(unpacked, { recursive: true, force: true });

    const publint = run(bin('publint'), ['run', path, '--strict'], REPO_ROOT);
    if (!publint.ok || !/All good!/.test(publint.output)) problems.push(`publint:\n${publint.output}`);
    const attw = run(
      bin('attw'),
      [path, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji'],
      REPO_ROOT,
    );
    if (!attw.ok) problems.push(`@arethetypeswrong/cli:\n${attw.output}`);
    const kib = Math.round(statSync(path).size / 1024);
    if (problems.length === 0) console.log(`ok ${dir}: ${relative(process.cwd(), path)} (${kib} KiB)`);
  }
  if (problems.length > 0) {
    failures.push(dir);
    console.log(`FAIL ${dir}:\n${problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
  }
}

console.log(`\n${checked} packages checked, ${failures.length} with problems; tarballs in ${out}`);
if (checked === 0) {
  console.log('no publishable package found');
  process.exitCode = 1;
}
if (failures.length > 0) process.exitCode = 1;
