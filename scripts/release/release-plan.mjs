/**
 * The release plan changesets would make for some changesets, computed in-process with the same
 * modules `changeset version` uses (resolved through @changesets/cli), so tests can check what a
 * normal release bumps without writing files.
 */

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './rules.mjs';

const fromCli = createRequire(
  createRequire(join(REPO_ROOT, 'package.json')).resolve('@changesets/cli/package.json'),
);
const assembleReleasePlan = fromCli('@changesets/assemble-release-plan').default;
const { read: readConfig } = fromCli('@changesets/config');
const { getPackages } = fromCli('@manypkg/get-packages');

/**
 * The releases (`{ name, type, oldVersion, newVersion }`) of one changeset naming `releases`
 * (`{ name, type: 'major' | 'minor' | 'patch' }`), with the repository's config and packages.
 *
 * @param {{ name: string, type: 'major' | 'minor' | 'patch' }[]} releases
 * @param {string} [root]
 * @returns {Promise<{ name: string, type: string, oldVersion: string, newVersion: string }[]>}
 */
export async function releasePlan(releases, root = REPO_ROOT) {
  const packages = await getPackages(root);
  const config = await readConfig(root, packages);
  const changeset = { id: 'simulated', summary: 'simulated', releases };
  return assembleReleasePlan([changeset], packages, config, undefined).releases.map(
    ({ name, type, oldVersion, newVersion }) => ({ name, type, oldVersion, newVersion }),
  );
}
