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
      unit('cluster', './packages/cluster'),
      unit('executor-shell', './plugins/executor-shell'),
      unit('executor-http', './plugins/executor-http'),
      unit('executor-kafka', './plugins/executor-kafka'),
      unit('executor-gcppubsub', './plugins/executor-gcppubsub'),
      unit('executor-grpc', './plugins/executor-grpc'),
      unit('processor-log', './plugins/processor-log'),
      unit('processor-syslog', './plugins/processor-syslog'),
      unit('processor-fluent', './plugins/processor-fluent'),
      unit('processor-files', './plugins/processor-files'),
      unit('executor-rabbitmq', './plugins/executor-rabbitmq'),
      unit('executor-nats', './plugins/executor-nats'),
      unit('cli', './apps/dkron-core'),
      unit('ui', './apps/ui'),
      unit('executor-template', './examples/executor-template'),
      {
        extends: true,
        resolve: { alias },
        test: { name: 'docs', root: here('./test'), include: ['docs/**/*.test.ts'] },
      },
      {
        extends: true,
        resolve: { alias },
        // Plugins against real brokers and servers on loopback (NATS, RabbitMQ, rsyslog, Forward peers).
        test: {
          name: 'plugins',
          root: here('./test'),
          include: ['plugins/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Fault drills on real processes (test/fault): their own CI step, `pnpm test:fault`; `pnpm test`
        // leaves them out. One file at a time: they signal processes and measure lateness.
        extends: true,
        resolve: { alias },
        test: {
          name: 'fault',
          root: here('./test'),
          include: ['fault/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
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
          // The browser tests have a project of their own (they need chromium).
          exclude: ['e2e/ui/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        resolve: { alias },
        test: {
          // Real chromium against a real server (test/e2e/ui/browser.ts); one file at a time, it is heavy.
          name: 'browser',
          root: here('./test'),
          include: ['e2e/ui/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
