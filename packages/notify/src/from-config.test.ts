import { DkronError, isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { type NotificationConfig, toNotifierOptions } from './index.js';
import { recordingLogger } from './test-support/fixtures.js';

// The agent's defaults for these keys (apps/dkron-core defaultAgentConfig).
const defaults: NotificationConfig = {
  nodeName: 'node-1',
  mailHost: '',
  mailPort: 0,
  mailUsername: '',
  mailPassword: '',
  mailFrom: '',
  mailPayload: '',
  mailSubjectPrefix: '[Dkron]',
  webhookEndpoint: '',
  webhookPayload: '',
  webhookHeaders: [],
  preWebhookEndpoint: '',
  preWebhookPayload: '',
  preWebhookHeaders: [],
  cronitorEndpoint: '',
};
const logger = recordingLogger();

describe('toNotifierOptions', () => {
  it('configures no channel from the defaults', () => {
    expect(toNotifierOptions(defaults, logger)).toEqual({ nodeName: 'node-1', logger });
  });

  it('maps every key of configured channels', () => {
    const options = toNotifierOptions(
      {
        ...defaults,
        mailHost: 'smtp.example.test',
        mailPort: 587,
        mailUsername: 'u',
        mailPassword: 'p',
        mailFrom: 'dkron@example.test',
        mailPayload: '{{.Report}}',
        mailSubjectPrefix: '',
        webhookEndpoint: 'https://hooks.example.test/post',
        webhookPayload: '{{.JobName}}',
        webhookHeaders: ['A: 1'],
        preWebhookEndpoint: 'https://hooks.example.test/pre',
        preWebhookPayload: 'pre',
        preWebhookHeaders: ['B: 2'],
        cronitorEndpoint: 'https://cronitor.link/p/key',
      },
      logger,
      { retry: { attempts: 5 }, fetchTimeoutMs: 3000 },
    );
    expect(options).toEqual({
      nodeName: 'node-1',
      logger,
      mail: {
        host: 'smtp.example.test',
        port: 587,
        username: 'u',
        password: 'p',
        from: 'dkron@example.test',
        payload: '{{.Report}}',
        subjectPrefix: '',
      },
      webhook: { endpoint: 'https://hooks.example.test/post', payload: '{{.JobName}}', headers: ['A: 1'] },
      preWebhook: { endpoint: 'https://hooks.example.test/pre', payload: 'pre', headers: ['B: 2'] },
      cronitor: { endpoint: 'https://cronitor.link/p/key' },
      retry: { attempts: 5 },
      fetchTimeoutMs: 3000,
    });
  });

  it("leaves out a channel missing one of Dkron's two required keys", () => {
    const options = toNotifierOptions(
      {
        ...defaults,
        mailHost: 'smtp.example.test',
        webhookEndpoint: 'https://h.example.test',
        preWebhookPayload: 'x',
      },
      logger,
    );
    expect(options).toEqual({ nodeName: 'node-1', logger });
  });

  it('turns Cronitor on by its endpoint alone; a blank one is off', () => {
    expect(toNotifierOptions({ ...defaults, cronitorEndpoint: ' http://127.0.0.1:9/p/k ' }, logger)).toEqual({
      nodeName: 'node-1',
      logger,
      cronitor: { endpoint: 'http://127.0.0.1:9/p/k' },
    });
    expect(toNotifierOptions({ ...defaults, cronitorEndpoint: '  ' }, logger)).toEqual({
      nodeName: 'node-1',
      logger,
    });
  });

  it.each([
    [
      'cronitor.link/p/secret-key',
      'cronitor-endpoint: not a valid URL; expected an http or https URL such as https://cronitor.link/p/<api key>',
    ],
    ['ftp://cronitor.link/p/secret-key', 'cronitor-endpoint: must be an http or https URL, got a "ftp:" URL'],
  ])('rejects cronitor-endpoint %j with an error naming the key', (endpoint, text) => {
    let error: unknown;
    try {
      toNotifierOptions({ ...defaults, cronitorEndpoint: endpoint }, logger);
    } catch (caught) {
      error = caught;
    }
    expect(isDkronError(error, 'VALIDATION')).toBe(true);
    expect(error).toBeInstanceOf(DkronError);
    expect((error as DkronError).message).toBe(text);
    expect((error as DkronError).details).toEqual({ field: 'cronitor-endpoint' });
  });
});
