import type { AgentApi } from '@dkron-core/kernel';

const enabled = new WeakMap<AgentApi, boolean>();

/** Records whether the API of `agent` has ACLs on, for the UI's `DKRON_ACL_ENABLED`. */
export function setUiAclEnabled(agent: AgentApi, on: boolean): void {
  enabled.set(agent, on);
}

/**
 * `DKRON_ACL_ENABLED` of the served `index.html`: Dkron's UI shows its token login when it is true
 * and then sends `Authorization: Bearer`. The hook the UI module reads (one line there).
 */
export function uiAclEnabled(agent: AgentApi): boolean {
  return enabled.get(agent) ?? false;
}
