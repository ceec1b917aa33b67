import { DkronError } from '@dkron-core/plugin-api';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RouteDeps } from './deps.js';
import { statusOf, toErrorBody } from './errors.js';

/**
 * Answers with a Server-Sent Events stream of one execution. The execution is looked up first so
 * that a missing one is a plain 404 rather than a 200 stream carrying an error.
 */
export async function streamExecution(
  c: Context,
  { agent, logger }: RouteDeps,
  job: string,
  id: string,
): Promise<Response> {
  const found = await agent.getExecution(job, id);
  if (!found) {
    throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`, {
      details: { job, execution: id },
    });
  }
  // One signal for the follower, aborted by whichever ends first: the client or the stream.
  const follow = new AbortController();
  const stop = () => follow.abort();
  const request = c.req.raw.signal;
  request.addEventListener('abort', stop, { once: true });
  return streamSSE(c, async (stream) => {
    stream.onAbort(stop);
    try {
      for await (const event of agent.followExecution(job, id, follow.signal)) {
        if (follow.signal.aborted) break;
        if (event.type === 'output') {
          await stream.writeSSE({ event: 'output', data: event.chunk });
        } else {
          await stream.writeSSE({ event: 'done', data: JSON.stringify(event.execution) });
          break;
        }
      }
    } catch (error) {
      if (!follow.signal.aborted) {
        if (statusOf(error) === 500) {
          logger?.error('execution stream failed', { job, execution: id, error: String(error) });
        }
        await stream.writeSSE({ event: 'error', data: JSON.stringify(toErrorBody(error)) });
      }
    } finally {
      request.removeEventListener('abort', stop);
      // Also ends a follower that is still waiting when the loop left early.
      follow.abort();
    }
  });
}
