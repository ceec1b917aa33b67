/**
 * The environment of a job: the agent's own, then the job's `env` entries (comma-separated
 * `KEY=value`, as in Dkron; values cannot contain commas), then `ENV_JOB_NAME`. Later entries win,
 * like Go's `exec.Cmd` deduplication. Entries without `=` or with an empty key are ignored.
 */
export function buildEnv(base: NodeJS.ProcessEnv, entries: string, jobName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (entries !== '') {
    for (const entry of entries.split(',')) {
      const eq = entry.indexOf('=');
      // Dkron users write `A=1, B=2`; the space is never part of the key.
      const key = eq === -1 ? '' : entry.slice(0, eq).trim();
      if (key !== '') env[key] = entry.slice(eq + 1);
    }
  }
  env.ENV_JOB_NAME = jobName;
  return env;
}
