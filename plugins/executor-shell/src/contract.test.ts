import { describeExecutorContract } from '@dkron-core/plugin-testing';
import { shellExecutor } from './index.js';

describeExecutorContract(shellExecutor(), 'shell', {
  succeeding: { command: 'echo contract', shell: 'false' },
  failing: { command: `sh -c 'echo failing >&2; exit 2'` },
  slow: { command: 'sleep 5' },
});
