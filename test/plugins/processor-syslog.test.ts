/** The syslog processor against a real rsyslogd started by the test (UDP, TCP and a local socket). */

import { randomUUID } from 'node:crypto';
import {
  createTestExecution,
  createTestHost,
  describeProcessorContract,
  type TestHost,
} from '@dkron-core/plugin-testing';
import { SYSLOG_PLACEHOLDER, syslogProcessor } from '@dkron-core/processor-syslog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, type Rsyslog, startRsyslog } from './helpers.js';

const rsyslog: Rsyslog = await startRsyslog();
let harness: TestHost;

beforeAll(async () => {
  harness = createTestHost({ nodeName: 'leader-1' });
  await harness.install(syslogProcessor({ target: `unix:${rsyslog.socket}` }));
});
afterAll(async () => {
  await rsyslog.stop();
});

/** The lines rsyslog wrote that carry `marker`, once there are `count` of them. */
async function logged(marker: string, count: number): Promise<string[][]> {
  const until = performance.now() + 10_000;
  for (;;) {
    const found = (await rsyslog.lines()).filter((l) => l.includes(marker)).map((l) => l.split('|'));
    if (found.length >= count || performance.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function execution(marker: string, success = true) {
  return createTestExecution({
    success,
    status: success ? 'success' : 'failed',
    output: `first ${marker}\n\nsecond ${marker} "quoted" ] \\ done\n`,
    finished_at: '2024-01-02T03:04:06.250Z',
  });
}

describe('syslog processor against rsyslog', () => {
  it.each([
    ['udp', 'rfc5424'],
    ['tcp', 'rfc5424'],
    ['udp', 'rfc3164'],
    ['tcp', 'rfc3164'],
  ])('sends each line over %s in %s with facility, severity, tag and host', async (proto, format) => {
    const marker = randomUUID();
    const port = proto === 'udp' ? rsyslog.udpPort : rsyslog.tcpPort;
    const run = execution(marker);
    const stored = await harness.process('syslog', run, {
      target: `${proto}://127.0.0.1:${port}`,
      format,
      facility: 'local3',
      tag: 'dkron-test',
    });
    expect(stored).toEqual({ ...run, output: SYSLOG_PLACEHOLDER });
    const lines = await logged(marker, 2);
    expect(lines.map((l) => l.slice(0, 4))).toEqual([
      ['local3', 'info', 'leader-1', 'dkron-test'],
      ['local3', 'info', 'leader-1', 'dkron-test'],
    ]);
    expect(lines.map((l) => l.at(-1))).toEqual([`first ${marker}`, `second ${marker} "quoted" ] \\ done`]);
    expect(lines[0]?.[4]).toBe(String(process.pid));
    if (format === 'rfc5424') {
      expect(lines[0]?.[5]).toBe(`[dkron@32473 job="test-job" execution="${run.id}" success="true"]`);
    }
  });

  it('writes to a local socket (through util-linux logger), severity err for a failed run, Dkron defaults', async () => {
    const marker = randomUUID();
    const run = execution(marker, false);
    expect(await harness.process('syslog', run, { forward: 'true' })).toBe(run);
    const lines = await logged(marker, 2);
    expect(lines.map((l) => [l[0], l[1], l[3], l.at(-1)])).toEqual([
      ['cron', 'err', 'dkron', `first ${marker}`],
      ['cron', 'err', 'dkron', `second ${marker} "quoted" ] \\ done`],
    ]);
  });

  it('sends RFC 5424 structured data through the local socket too', async () => {
    const marker = randomUUID();
    const run = execution(marker);
    await harness.process('syslog', run, {
      format: 'rfc5424',
      tag: 'sd',
      target: `unix:${rsyslog.socket5424}`,
    });
    const [line] = await logged(marker, 1);
    expect(line?.[5]).toBe(`[dkron@32473 job="test-job" execution="${run.id}" success="true"]`);
  });

  it('splits a line longer than maxMessageBytes into several messages', async () => {
    const small = createTestHost();
    await small.install(syslogProcessor({ maxMessageBytes: 40 }));
    const marker = randomUUID().slice(0, 8);
    const long = `${marker}-${'x'.repeat(70)}`;
    await small.process('syslog', createTestExecution({ success: true, output: long }), {
      target: `tcp://127.0.0.1:${rsyslog.tcpPort}`,
    });
    const texts = (await logged(marker, 1)).map((l) => l.at(-1));
    expect(texts).toHaveLength(1);
    const all = (await rsyslog.lines()).map((l) => l.split('|').at(-1) ?? '');
    const start = all.indexOf(texts[0] as string);
    expect(all.slice(start, start + 2).join('')).toBe(long);
  });

  it('fails (so the runner keeps the output) when the target is down', async () => {
    const port = await closedPort();
    await expect(
      harness.process('syslog', execution('x'), { target: `tcp://127.0.0.1:${port}` }),
    ).rejects.toThrow(
      new RegExp(`^cannot send to syslog tcp://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
    await expect(
      harness.process('syslog', execution('x'), { target: `unix:${rsyslog.dir}/missing.sock` }),
    ).rejects.toThrow(new RegExp(`^cannot send to syslog unix:${rsyslog.dir}/missing\\.sock: `));
  });

  it.each([
    [{ target: 'http://x' }, 'processors.syslog.target: expected a value matching'],
    [{ format: 'rfc9999' }, 'processors.syslog.format: expected one of "rfc3164", "rfc5424"'],
    [{ facility: 'cronjob' }, 'processors.syslog.facility: expected one of'],
    [{ tag: 'has space' }, 'processors.syslog.tag: expected a value matching'],
  ])('refuses the bad config %j when the job is saved', (config, message) => {
    expect(() => harness.processor('syslog').config.parse(config, 'processors.syslog')).toThrow(message);
  });
});

describeProcessorContract(syslogProcessor({ target: `unix:${rsyslog.socket}` }), 'syslog', {
  forward: 'false',
});
