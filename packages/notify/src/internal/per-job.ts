/** The per-job `notify` rule (dkron-core extension; Dkron only has global notifications). */

import type { Execution, JobNotify, NotifyOn } from '@dkron-core/plugin-api';

/**
 * Whether `on` asks for a notification of this outcome. Only `success` is a success: `failed`,
 * `lost` and `cancelled` are failures, because each means the job's work was not done (a cancel by
 * `replace` or shutdown included), and that is what a failure alert is for.
 */
export function wantsNotification(on: NotifyOn | undefined, execution: Execution): boolean {
  const succeeded = execution.status === 'success';
  switch (on ?? 'failure') {
    case 'always':
      return true;
    case 'success':
      return succeeded;
    default:
      return !succeeded;
  }
}

/** The addresses of `notify.email`, trimmed, without empty entries and duplicates. */
export function recipients(email: JobNotify['email']): string[] {
  const list = typeof email === 'string' ? [email] : (email ?? []);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of list) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (address === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}
