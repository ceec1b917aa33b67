import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import type { PubSubConfig } from './config.js';
import { formatSeconds } from './format.js';

/** Publishes one message and resolves to its server-assigned id. */
export type Publish = (
  target: { readonly project: string; readonly topic: string },
  message: { readonly data: Buffer; readonly attributes: Record<string, string> },
  timeoutMs: number,
) => Promise<string>;

/** Publishes one message; the output is the message id Pub/Sub assigned, as in Dkron. */
export async function executePubSub(
  request: ExecuteRequest<PubSubConfig>,
  context: ExecuteContext,
  publish: Publish,
): Promise<ExecuteResult> {
  const { config } = request;
  const where = `gcppubsub: projects/${config.project}/topics/${config.topic}`;
  if (context.signal.aborted) return { success: false, error: `${where}: cancelled before it started` };

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<'timeout' | 'cancelled'>((resolve) => {
    onAbort = () => resolve('cancelled');
    context.signal.addEventListener('abort', onAbort, { once: true });
    if (config.timeout > 0) timer = setTimeout(() => resolve('timeout'), config.timeout);
  });
  // The client cannot cancel a publish: a cancelled or timed-out run stops waiting for it.
  const published = publish(
    { project: config.project, topic: config.topic },
    { data: config.data ?? Buffer.alloc(0), attributes: config.attributes ?? {} },
    config.timeout,
  ).then(
    (id) => ({ id }),
    (error: unknown) => ({ error }),
  );
  try {
    const outcome = await Promise.race([published, stopped]);
    if (outcome === 'timeout') {
      return { success: false, error: `${where}: timed out after ${formatSeconds(config.timeout)}` };
    }
    if (outcome === 'cancelled') return { success: false, error: `${where}: cancelled` };
    if ('error' in outcome) return { success: false, error: `${where}: ${describe(outcome.error)}` };
    context.output.write(outcome.id);
    return { success: true };
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) context.signal.removeEventListener('abort', onAbort);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message.split('\n')[0] || error.name;
}
