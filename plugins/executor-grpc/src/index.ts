/**
 * The grpc executor of dkron-core: Dkron's `grpc` executor (its `executor_config` keys), calling one
 * unary method found by server reflection, or in `.proto` files when the server has no reflection.
 * The response message, as JSON, is the output (Dkron's output was always empty).
 *
 * @example
 * ```ts
 * import { grpcExecutor } from '@dkron-core/executor-grpc';
 * const plugin = grpcExecutor();
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type GrpcConfig, grpcConfig } from './internal/config.js';
import { executeGrpc } from './internal/execute-grpc.js';

/** The name of the plugin made by {@link grpcExecutor}. */
export const GRPC_EXECUTOR_PLUGIN = '@dkron-core/executor-grpc';

/** Creates the plugin that registers the `grpc` executor. */
export function grpcExecutor(): DkronPlugin {
  return definePlugin({
    name: GRPC_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'grpc',
          description: 'Calls a unary gRPC method (found by server reflection or in .proto files).',
          config: grpcConfig,
          execute: executeGrpc,
        }),
      );
    },
  });
}

export type { GrpcConfig };
