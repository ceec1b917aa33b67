/**
 * The http executor of dkron-core: Dkron's `http` executor (every `executor_config` key, its messages),
 * on undici, as a plugin built on the public plugin API.
 *
 * @example
 * ```ts
 * // dkron.yml
 * // plugins:
 * //   - package: '@dkron-core/executor-http'
 * //     options: { maxBodyBytes: 65536 }
 * import { httpExecutor } from '@dkron-core/executor-http';
 * const plugin = httpExecutor({ maxBodyBytes: 65_536 });
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type HttpConfig, httpConfig } from './internal/config.js';
import { createDispatcherCache } from './internal/dispatchers.js';
import { executeHttp } from './internal/execute-http.js';

/** Options of {@link httpExecutor}. */
export interface HttpExecutorOptions {
  /**
   * Bytes of the response body written to the output and matched by `expectBody`; the rest is not
   * downloaded. Default 240,000, so the status line and the body fit Dkron's 256,000-byte output.
   */
  readonly maxBodyBytes?: number;
  /** Redirects followed (Go's client follows 10). `0`: none, a 3xx is the response. Default 10. */
  readonly maxRedirections?: number;
  /** HTTP clients kept, one per distinct TLS setting, least recently used closed first. Default 100. */
  readonly maxClients?: number;
}

/** The name of the plugin made by {@link httpExecutor}. */
export const HTTP_EXECUTOR_PLUGIN = '@dkron-core/executor-http';

/**
 * Creates the plugin that registers the `http` executor: one request per run; the output is the
 * status line (`200 OK`) and the body, streamed as it arrives.
 */
export function httpExecutor(options: HttpExecutorOptions = {}): DkronPlugin {
  const maxBodyBytes = count('maxBodyBytes', options.maxBodyBytes, 240_000, 1);
  const maxRedirections = count('maxRedirections', options.maxRedirections, 10, 0);
  const clients = createDispatcherCache({ maxClients: count('maxClients', options.maxClients, 100, 1) });
  return definePlugin({
    name: HTTP_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'http',
          description: 'Sends an HTTP or HTTPS request; succeeds on the expected status code and body.',
          config: httpConfig,
          execute: (request, context) =>
            executeHttp(request, context, { clients, maxBodyBytes, maxRedirections }),
        }),
      );
    },
    close: () => clients.close(),
  });
}

export type { HttpConfig };

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(
      `${HTTP_EXECUTOR_PLUGIN}: option ${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
