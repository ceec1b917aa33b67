/**
 * The files processor of dkron-core: Dkron's `files` processor. It writes each execution's output to
 * `<log_dir>/<job>/<execution id>.log` and, unless `forward` is true, stores that path instead of the
 * output. No job name or execution id can write outside `log_dir`: path separators, `.` and `..` are
 * refused, and a symbolic link planted in `log_dir` (for a job directory or a file) is never followed.
 *
 * @example
 * ```json
 * { "processors": { "files": { "log_dir": "/var/log/dkron", "forward": "true" } } }
 * ```
 *
 * @packageDocumentation
 */

import {
  c,
  type DkronPlugin,
  definePlugin,
  defineProcessor,
  PLUGIN_API_VERSION,
} from '@dkron-core/plugin-api';
import { resolveLogDir, writeExecutionLog } from './internal/write-log.js';

/** The name of the plugin made by {@link filesProcessor}. */
export const FILES_PROCESSOR_PLUGIN = '@dkron-core/processor-files';

/** Options of {@link filesProcessor}. */
export interface FilesProcessorOptions {
  /** `log_dir` of jobs that set none. Default `/var/log/dkron` (Dkron's). */
  readonly defaultLogDir?: string;
  /**
   * When set, a job's `log_dir` must lie inside this directory (jobs are written through the API, so
   * without it any API user chooses where the server writes). Default: no restriction, as Dkron.
   */
  readonly allowedRoot?: string;
}

/** Creates the plugin that registers the `files` processor. */
export function filesProcessor(options: FilesProcessorOptions = {}): DkronPlugin {
  const defaultLogDir = options.defaultLogDir ?? '/var/log/dkron';
  return definePlugin({
    name: FILES_PROCESSOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.processor(
        defineProcessor({
          name: 'files',
          description: "Writes each execution's output to <log_dir>/<job>/<execution id>.log.",
          config: c.object({
            forward: c
              .boolean({
                description: 'Also keep the output in the execution record; otherwise store the file path.',
              })
              .default(false),
            log_dir: c
              .string({
                minLength: 1,
                description: `Directory of the log files, created when missing; relative to the agent's working directory. Default ${defaultLogDir}.`,
              })
              .default(defaultLogDir),
          }),
          async process(execution, context) {
            const logDir = resolveLogDir(context.config.log_dir, options.allowedRoot);
            const path = await writeExecutionLog(logDir, execution);
            return context.config.forward ? execution : { ...execution, output: path };
          },
        }),
      );
    },
  });
}
