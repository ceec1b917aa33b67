import { pubsubExecutor } from '@dkron-core/executor-gcppubsub';
import { grpcExecutor } from '@dkron-core/executor-grpc';
import { httpExecutor } from '@dkron-core/executor-http';
import { kafkaExecutor } from '@dkron-core/executor-kafka';
import { natsExecutor } from '@dkron-core/executor-nats';
import { rabbitmqExecutor } from '@dkron-core/executor-rabbitmq';
import { shellExecutor } from '@dkron-core/executor-shell';
import type { DkronPlugin } from '@dkron-core/plugin-api';
import { filesProcessor } from '@dkron-core/processor-files';
import { fluentProcessor } from '@dkron-core/processor-fluent';
import { logProcessor } from '@dkron-core/processor-log';
import { syslogProcessor } from '@dkron-core/processor-syslog';

/**
 * The plugins every agent loads before the config file's: Dkron's executors and processors. They use
 * the same public plugin API as third-party plugins.
 */
export function builtinPlugins(): DkronPlugin[] {
  return [
    shellExecutor(),
    httpExecutor(),
    grpcExecutor(),
    kafkaExecutor(),
    pubsubExecutor(),
    natsExecutor(),
    rabbitmqExecutor(),
    logProcessor(),
    filesProcessor(),
    syslogProcessor(),
    fluentProcessor(),
  ];
}
