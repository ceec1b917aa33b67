import { describeExecutorContract } from '@dkron-core/plugin-testing';
import { ReflectionService } from '@grpc/reflection';
import { afterAll } from 'vitest';
import { startEchoServer } from '../../../test/fixtures/grpc/echo-server.js';
import { grpcExecutor } from './index.js';

// The cases need the server's port when the suite is declared.
const server = await startEchoServer({ reflection: ReflectionService });
afterAll(() => server.close());

describeExecutorContract(grpcExecutor(), 'grpc', {
  succeeding: { url: `${server.address}/dkron.test.v1.Echo/Say`, body: '{"text":"contract"}' },
  failing: { url: `${server.address}/dkron.test.v1.Echo/Fail`, body: '{"code":13,"message":"boom"}' },
  testOnly: {
    // Aborted once the call is at the server, so the abort lands mid-call.
    slow: {
      config: { url: `${server.address}/dkron.test.v1.Echo/Hang`, body: '{}' },
      running: () => server.hangArrived(),
    },
  },
});
