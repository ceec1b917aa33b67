import { PassThrough } from 'node:stream';
import { createTestExecution, createTestHost, describeProcessorContract } from '@dkron-core/plugin-testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { LOG_PLACEHOLDER, LOG_PROCESSOR_PLUGIN, logProcessor } from './index.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

let stdout: ReturnType<typeof capture>;
let stderr: ReturnType<typeof capture>;
let harness: ReturnType<typeof createTestHost>;

beforeEach(async () => {
  stdout = capture();
  stderr = capture();
  harness = createTestHost();
  await harness.install(logProcessor({ stdout: stdout.stream, stderr: stderr.stream }));
});

const ok = createTestExecution({ success: true, status: 'success', output: 'line 1\nline 2' });
const failed = createTestExecution({ success: false, status: 'failed', output: 'exit status 1\nboom\n' });

describe('log processor', () => {
  it('is the @dkron-core/processor-log plugin registering "log"', () => {
    expect(logProcessor().name).toBe(LOG_PROCESSOR_PLUGIN);
    expect(harness.processor('log').config.toJSONSchema()).toMatchObject({
      properties: { forward: { default: false } },
    });
  });

  it('prints a successful execution framed to stdout and stores the placeholder', async () => {
    const stored = await harness.process('log', ok, {});
    expect(stdout.text()).toBe(
      `----- BEGIN OUTPUT job=test-job execution=${ok.id} -----\nline 1\nline 2\n----- END OUTPUT -----\n`,
    );
    expect(stderr.text()).toBe('');
    expect(stored).toEqual({ ...ok, output: LOG_PLACEHOLDER });
    expect(LOG_PLACEHOLDER).toBe('Output in dkron log');
  });

  it('prints a failed execution to stderr', async () => {
    await harness.process('log', failed, { forward: 'false' });
    expect(stdout.text()).toBe('');
    expect(stderr.text()).toBe(
      `----- BEGIN OUTPUT job=test-job execution=${failed.id} -----\nexit status 1\nboom\n\n----- END OUTPUT -----\n`,
    );
  });

  it.each([
    ['true', true],
    ['1', true],
    [true, true],
    ['false', false],
    ['', false],
    [undefined, false],
  ])('forward %j keeps the output: %s', async (forward, kept) => {
    const stored = await harness.process('log', ok, forward === undefined ? {} : { forward });
    expect(stored.output).toBe(kept ? ok.output : LOG_PLACEHOLDER);
    if (kept) {
      expect(stored).toBe(ok); // forwarded as it came
    } else {
      // A copy with the placeholder; the execution it was given is not changed.
      expect(stored).not.toBe(ok);
      expect(stored).toEqual({ ...ok, output: LOG_PLACEHOLDER });
      expect(ok.output).toBe('line 1\nline 2');
    }
  });

  it('refuses a forward value that is not a Go boolean when the job is validated', () => {
    expect(() => harness.processor('log').config.parse({ forward: 'yes' }, 'processors.log')).toThrow(
      'processors.log.forward: expected a boolean, got "yes"',
    );
  });
});

describeProcessorContract(logProcessor({ stdout: new PassThrough(), stderr: new PassThrough() }), 'log', {
  forward: 'false',
});
