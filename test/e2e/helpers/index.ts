export type { Api, ApiResponse } from './api.js';
export { api } from './api.js';
export { freePort } from './free-port.js';
export { rqliteExecute } from './rqlite-sql.js';
export type { AgentExit, AgentHandle, StartAgentOptions } from './start-agent.js';
export { DKRON_CORE_BIN, startAgent, stopAllAgents } from './start-agent.js';
export type { WaitForOptions } from './wait-for.js';
export { waitFor } from './wait-for.js';
