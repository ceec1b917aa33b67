import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import { type NatsConfig, servers } from './config.js';
import { Stopped, startDeadline } from './deadline.js';
import type { Lease, Pool } from './pool.js';
import { HIDDEN, redact, redactUrl, secretsOf } from './redact.js';

const encoder = new TextEncoder();

/** Dkron's output of a successful publish. */
export const SENT = 'Result: Message successfully sent';

/** Publishes one job's message. Every failure (connect, publish, permission, ack) fails the run. */
export async function executeNats(
  request: ExecuteRequest<NatsConfig>,
  context: ExecuteContext,
  pool: Pool,
): Promise<ExecuteResult> {
  const config = request.config;
  const list = servers(config);
  const secrets = secretsOf(config.password, list);
  const clean = (text: string) => redact(text, secrets);
  if (config.debug) {
    context.output.write(`Config: ${describe(config, list)}\n`);
    context.logger.debug('publishing to NATS', {
      url: list.map(redactUrl).join(','),
      subject: config.subject,
    });
  }
  if (context.signal.aborted) return { success: false, error: 'cancelled before connecting to NATS' };

  let step = 'connecting to NATS';
  const deadline = startDeadline(config.timeout, context.signal, () => step);
  const held = pool.acquire({
    servers: list,
    user: config.userName,
    pass: config.password,
    subject: config.subject,
    timeoutMs: config.timeout,
  });
  try {
    let lease: Lease;
    try {
      lease = await deadline.race(held.lease);
    } catch (error) {
      if (error instanceof Stopped) return { success: false, error: error.message };
      return { success: false, error: `error connecting to NATS: ${clean(messageOf(error))}` };
    }
    step = config.jetstream ? 'waiting for the JetStream acknowledgement' : 'publishing to NATS';
    try {
      const result = await deadline.race(publish(lease, config, deadline.remaining()));
      context.output.write(`${SENT}${result}\n`);
      return { success: true };
    } catch (error) {
      if (error instanceof Stopped) return { success: false, error: error.message };
      return {
        success: false,
        error: `error publishing to NATS subject "${config.subject}": ${clean(publishError(error))}`,
      };
    }
  } finally {
    deadline.dispose();
    held.release();
  }
}

/** Publishes and waits until the server took the message; resolves to what to add to the output. */
async function publish(lease: Lease, config: NatsConfig, timeoutMs: number): Promise<string> {
  const { connection, errorListeners } = lease;
  let refuse!: (error: Error) => void;
  const refused = new Promise<never>((_, reject) => {
    refuse = reject;
  });
  refused.catch(() => {});
  const onError = (code: string) => refuse(new Error(code));
  errorListeners.add(onError);
  try {
    const data = encoder.encode(config.message);
    if (config.jetstream) {
      const ack = await Promise.race([
        lease.jetstream().publish(config.subject, data, { timeout: timeoutMs }),
        refused,
      ]);
      return ` to stream ${ack.stream} (sequence ${ack.seq}${ack.duplicate ? ', duplicate' : ''})`;
    }
    connection.publish(config.subject, data);
    await Promise.race([lease.confirmed(), refused]);
    return '';
  } finally {
    errorListeners.delete(onError);
  }
}

function publishError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (code === '503') return 'no JetStream stream captures the subject (no responders)';
  if (messageOf(error) === 'PERMISSIONS_VIOLATION')
    return 'permissions violation: the user may not publish to it';
  return messageOf(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(config: NatsConfig, list: readonly string[]): string {
  return JSON.stringify({
    url: list.map(redactUrl).join(','),
    subject: config.subject,
    userName: config.userName,
    password: config.password === '' ? '' : HIDDEN,
    jetstream: config.jetstream,
    timeout: config.timeout,
    message: config.message,
  });
}
