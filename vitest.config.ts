import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import sibling packages from their sources, not their build output.
const alias = [
  {
    find: /^@dkron-core\/(executor-[a-z-]+|processor-[a-z-]+)$/,
    replacement: here('./plugins/$1/src/index.ts'),
  },
  { find: /^@dkron-core\/([a-z-]+)$/, replacement: here('./packages/$1/src/index.ts') },
];

const unit = (name: string, root: string) => ({
  extends: true as const,
  resolve: { alias },
  test: { name, root: here(root), include: ['src/**/*.test.ts'] },
});

export default defineConfig({
  test: {
    projects: [
      {
        ...unit('plugin-api', './packages/plugin-api'),
        test: {
          name: 'plugin-api',
          root: here('./packages/plugin-api'),
          include: ['src/**/*.test.ts'],
          typecheck: {
            enabled: true,
            include: ['src/**/*.test-d.ts'],
            tsconfig: here('./tsconfig.test.json'),
          },
        },
      },
      unit('kernel', './packages/kernel'),
      unit('plugin-testing', './packages/plugin-testing'),
      unit('store-rqlite', './packages/store-rqlite'),
      unit('api', './packages/api'),
      unit('notify', './packages/notify'),
      unit('executor-shell', './plugins/executor-shell'),
      unit('processor-log', './plugins/processor-log'),
      unit('cli', './apps/dkron-core'),
      {
        extends: true,
        resolve: { alias },
        test: { name: 'release', root: here('./scripts'), include: ['**/*.test.ts'] },
      },
      {
        extends: true,
        resolve: { alias },
        test: {
          name: 'e2e',
          root: here('./test'),
          include: ['e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
