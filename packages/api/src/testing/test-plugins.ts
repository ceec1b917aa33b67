import { c, type DkronPlugin, definePlugin } from '@dkron-core/plugin-api';

/** A run of the `gate` executor that holds until the test ends it. */
export interface HeldRun {
  readonly job: string;
  readonly id: string;
  /** Writes output, as the executor would. */
  write(chunk: string): void;
  /** Ends the run with this result. */
  finish(success: boolean): void;
}

/**
 * The plugins of the API tests' agent. They stand in for the real executors (which spawn processes
 * or need peers) and run nothing: `shell` and `http` succeed at once with no output, `log` and `files`
 * keep the execution as it is. `gate` writes `text`, then ends at once (`hold: false`) or, with `hold: true`,
 * when the test ends it through `held` (keyed by execution id) or the run is cancelled.
 */
export function testPlugins(held: Map<string, HeldRun>): DkronPlugin[] {
  return [
    definePlugin({
      name: '@dkron-core/test-executors',
      apiVersion: 1,
      setup(host) {
        host.executor({
          name: 'shell',
          description: 'Runs nothing and succeeds (the API tests do not spawn processes).',
          config: c.object({
            command: c.string(),
            shell: c.boolean().default(false),
            env: c.string().default(''),
            cwd: c.string().default(''),
          }),
          execute: async () => ({ success: true }),
        });
        host.executor({
          name: 'http',
          config: c.object({ url: c.string().default('') }),
          execute: async () => ({ success: true }),
        });
        host.executor({
          name: 'gate',
          config: c.object({ text: c.string().default(''), hold: c.boolean().default(false) }),
          async execute(req, ctx) {
            if (req.config.text !== '') ctx.output.write(req.config.text);
            if (!req.config.hold) return { success: true };
            const id = ctx.execution.id;
            return new Promise((resolve) => {
              const end = (success: boolean, error?: string) => {
                held.delete(id);
                resolve(error === undefined ? { success } : { success, error });
              };
              held.set(id, {
                job: ctx.job.name,
                id,
                write: (chunk) => ctx.output.write(chunk),
                finish: (success) => end(success),
              });
              ctx.signal.addEventListener('abort', () => end(false, 'cancelled'));
            });
          },
        });
        for (const name of ['log', 'files']) {
          host.processor({ name, config: c.object({}), process: (execution) => execution });
        }
      },
    }),
  ];
}
