import { shellExecutor } from '@dkron-core/executor-shell';
import { createTestExecution, createTestJob } from '@dkron-core/plugin-testing';
import { describe, expect, it } from 'vitest';
import { createPluginRegistry } from '../plugins/index.js';
import { runExecution } from './run-execution.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function runShell(
  executorConfig: Record<string, unknown>,
  options: { signal?: AbortSignal; onOutput?: () => void } = {},
) {
  const registry = createPluginRegistry({ nodeName: 'node-1', logger: silent });
  await registry.register(shellExecutor());
  const job = createTestJob({ name: 'capped', executor: 'shell', executor_config: executorConfig });
  const streamed: string[] = [];
  const outcome = await runExecution({
    registry,
    job,
    execution: createTestExecution({}, job),
    logger: silent,
    reportingNode: 'node-1',
    onOutput: (chunk) => {
      streamed.push(chunk);
      options.onOutput?.();
    },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { outcome, streamed: streamed.join('') };
}

describe('the shell executor through the kernel runner', () => {
  it('stores at most 256 000 bytes of output, keeping the tail, while streaming all of it', async () => {
    const { outcome, streamed } = await runShell({
      command: `head -c 300000 /dev/zero | tr '\\0' x; echo END`,
      shell: 'true',
    });
    expect(outcome.status).toBe('success');
    expect(Buffer.byteLength(outcome.output)).toBe(256_000);
    expect(outcome.output.endsWith('xxxEND\n')).toBe(true);
    expect(streamed.length).toBe(300_004);
  });

  it('stores the error line first, then the output, as Dkron', async () => {
    const { outcome } = await runShell({ command: `sh -c 'echo partial; exit 4'` });
    expect(outcome).toMatchObject({
      status: 'failed',
      success: false,
      error: 'exit status 4',
      output: 'exit status 4\npartial\n',
    });
  });

  it('fails an invalid payload before starting the command', async () => {
    const { outcome } = await runShell({ command: 'echo should-not-run', payload: '%%%' });
    expect(outcome).toMatchObject({
      status: 'failed',
      output: 'executor_config.payload: illegal base64 data at input byte 0\n',
    });
  });

  it('marks a cancelled job cancelled', async () => {
    const controller = new AbortController();
    const command = `sh -c 'echo started; exec sleep 30'`;
    const { outcome } = await runShell(
      { command },
      { signal: controller.signal, onOutput: () => controller.abort() },
    );
    expect(outcome).toMatchObject({ status: 'cancelled', success: false, error: 'signal: killed' });
    expect(outcome.output).toBe(
      `signal: killed\nstarted\nshell: Job '${command}' was cancelled. Job was killed\n`,
    );
  });
});
