import type { AgentConfig } from '../config/agent-config.js';
import type { RunAgentOptions } from './types.js';

/**
 * Runs the agent until it is stopped and resolves to the process exit status.
 * Placeholder: the lead wires the store, kernel, cluster and API here.
 */
export async function runAgent(_config: AgentConfig, _options: RunAgentOptions): Promise<number> {
  throw new Error('agent not wired yet');
}
