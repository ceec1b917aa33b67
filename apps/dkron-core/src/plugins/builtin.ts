import { pubsubExecutor } from '@dkron-core/executor-gcppubsub';
import { grpcExecutor } from '@dkron-core/executor-grpc';
import { httpExecutor } from '@dkron-core/executor-http';
import { kafkaExecutor } from '@dkron-core/executor-kafka';
import { shellExecutor } from '@dkron-core/executor-shell';
import type { DkronPlugin } from '@dkron-core/plugin-api';
import { logProcessor } from '@dkron-core/processor-log';

/**
 * The plugins every agent loads before the config file's: the `shell`, `http`, `grpc`,
 * `kafka` and `gcppubsub` executors and the `log` processor. They use the same public plugin API as third-party plugins.
 */
export function builtinPlugins(): DkronPlugin[] {
  return [shellExecutor(), httpExecutor(), grpcExecutor(), kafkaExecutor(), pubsubExecutor(), logProcessor()];
}
