import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type DkronNotifier, type NotifierOptions } from './index.js';
import { execution, job, recordingLogger } from './test-support/fixtures.js';
import { type SmtpPeer, startSmtpPeer } from './test-support/smtp-peer.js';

let smtp: SmtpPeer;
let notifier: DkronNotifier | undefined;
const logger = recordingLogger();

beforeEach(async () => {
  smtp = await startSmtpPeer();
  logger.lines.length = 0;
});

afterEach(async () => {
  await notifier?.close();
  notifier = undefined;
  await smtp.close();
});

function notifierWith(mail: Partial<NonNullable<NotifierOptions['mail']>> = {}): DkronNotifier {
  notifier = createNotifier({
    nodeName: 'leader-1',
    logger,
    mail: { host: '127.0.0.1', port: smtp.port, from: 'dkron@example.test', ...mail },
    retry: { attempts: 2, initialDelayMs: 5 },
    fetchTimeoutMs: 5000,
  });
  return notifier;
}

describe("Dkron's owner email", () => {
  it('mails owner_email with the raw output and Dkron’s subject, without AUTH', async () => {
    await notifierWith().finished(job({ owner_email: 'owner@example.test' }), execution());
    const [mail] = await smtp.waitFor(1);
    expect(mail).toMatchObject({
      from: 'dkron@example.test',
      to: ['owner@example.test'],
      auth: undefined,
      text: 'all good\n',
    });
    expect(mail?.headers.subject).toBe('[Dkron]Success backup execution report');
    expect(mail?.headers.from).toBe('dkron@example.test');
    expect(mail?.headers.to).toBe('owner@example.test');
  });

  it('mails failures too, with the subject prefix as configured', async () => {
    await notifierWith({ subjectPrefix: '[ops] ' }).finished(
      job({ owner_email: 'owner@example.test' }),
      execution({ status: 'failed', output: 'exit status 1' }),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.headers.subject).toBe('[ops] Failed backup execution report');
    expect(mail?.text).toBe('exit status 1\n');
  });

  it('renders mail-payload as the body', async () => {
    await notifierWith({ payload: '{{.JobName}} on {{.NodeName}}: {{.Success}}\n{{.Output}}' }).finished(
      job({ owner_email: 'owner@example.test' }),
      execution(),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.text).toBe('backup on node-a: true\nall good\n');
  });

  it('sends the template error text as the body when mail-payload is not usable', async () => {
    await notifierWith({ payload: '{{range .Output}}x{{end}}' }).finished(
      job({ owner_email: 'owner@example.test' }),
      execution(),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.text).toMatch(
      /^Failed to parse template: template: report:1: unsupported action \{\{range \.Output\}\}/,
    );
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^mail-payload/) }),
    );
  });

  it('authenticates with PLAIN when username and password are set', async () => {
    await notifierWith({ username: 'dkron', password: 's3cret' }).finished(
      job({ owner_email: 'owner@example.test' }),
      execution(),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.auth).toEqual({ method: 'PLAIN', username: 'dkron', password: 's3cret' });
  });

  it('sends no AUTH when only one of username and password is set', async () => {
    const n = notifierWith({ username: 'dkron' });
    await n.finished(job({ owner_email: 'owner@example.test' }), execution());
    const [mail] = await smtp.waitFor(1);
    expect(mail?.auth).toBeUndefined();
  });

  it('sends nothing for a job without owner_email', async () => {
    await notifierWith().finished(job(), execution({ status: 'failed' }));
    expect(smtp.mails).toEqual([]);
  });

  it('sends nothing when the mail port is not set', async () => {
    notifier = createNotifier({ nodeName: 'n', logger, mail: { host: '127.0.0.1', port: 0, from: 'x@y.z' } });
    await notifier.finished(job({ owner_email: 'owner@example.test' }), execution());
    expect(smtp.mails).toEqual([]);
  });
});

describe('per-job notify.email', () => {
  it('mails every address a readable report on failure', async () => {
    const failing = job({ notify: { email: ['a@example.test', 'b@example.test'] } });
    await notifierWith().finished(failing, execution({ status: 'failed', output: 'disk full' }));
    const [mail] = await smtp.waitFor(1);
    expect(smtp.mails).toHaveLength(1);
    expect(mail?.to).toEqual(['a@example.test', 'b@example.test']);
    expect(mail?.headers.to).toBe('a@example.test, b@example.test');
    expect(mail?.headers.subject).toBe('[Dkron]Failed backup execution report');
    expect(mail?.text).toBe(
      [
        'Job: backup',
        'Status: failed',
        'Node: node-a',
        'Execution: 1714557600000000000-node-a (attempt 1, group 1714557600000000000)',
        'Started: 2024-05-01T10:00:00.123456789Z',
        'Finished: 2024-05-01T10:00:05Z',
        'Reported by: leader-1',
        '',
        'Output:',
        'disk full',
        '',
      ].join('\n'),
    );
  });

  it('accepts a single address', async () => {
    await notifierWith().finished(
      job({ notify: { email: 'solo@example.test' } }),
      execution({ status: 'lost' }),
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['solo@example.test']);
  });

  it('does not mail a success under the default on=failure', async () => {
    const n = notifierWith();
    await n.finished(job({ notify: { email: 'a@example.test' } }), execution({ status: 'success' }));
    expect(smtp.mails).toEqual([]);
  });

  it('does not send the owner a second copy of the result', async () => {
    const both = job({
      owner_email: 'owner@example.test',
      notify: { on: 'always', email: ['OWNER@example.test', 'b@example.test'] },
    });
    await notifierWith().finished(both, execution());
    const mails = await smtp.waitFor(2);
    expect(mails.map((m) => m.to).sort()).toEqual([['b@example.test'], ['owner@example.test']]);
  });

  it('warns when no mail server is configured', async () => {
    notifier = createNotifier({ nodeName: 'n', logger });
    await notifier.finished(job({ notify: { email: 'a@example.test' } }), execution({ status: 'failed' }));
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/no mail server is configured/),
      }),
    );
  });
});

describe('mail delivery failures', () => {
  it('retries, then logs the failure with job, execution and channel, and resolves', async () => {
    await smtp.close();
    const n = notifierWith();
    await expect(
      n.finished(job({ owner_email: 'owner@example.test' }), execution()),
    ).resolves.toBeUndefined();
    const failure = logger.lines.find((l) => l.level === 'error');
    expect(failure).toMatchObject({
      message: 'notification failed',
      fields: {
        channel: 'email',
        target: 'owner@example.test',
        job: 'backup',
        execution: '1714557600000000000-node-a',
        attempts: 2,
      },
    });
    smtp = await startSmtpPeer();
  });
});
