/**
 * The syslog processor of dkron-core: Dkron's `syslog` processor. It sends each execution's output to
 * syslog, one message per line, and unless `forward` is true stores `Output in syslog` instead of the
 * output. Dkron wrote to the local syslog only (facility `cron`, tag `dkron`, priority INFO); here the
 * target may also be a UDP or TCP server, in RFC 5424 or RFC 3164 format, with any facility and tag,
 * and a failed execution is logged with severity `err`.
 *
 * @example
 * ```json
 * { "processors": { "syslog": { "target": "udp://logs.internal:514", "format": "rfc5424", "facility": "local3" } } }
 * ```
 *
 * @packageDocumentation
 */

import { hostname } from 'node:os';
import {
  c,
  type DkronPlugin,
  definePlugin,
  defineProcessor,
  PLUGIN_API_VERSION,
} from '@dkron-core/plugin-api';
import { FACILITIES, type Facility, formatRfc3164, formatRfc5424, outputLines } from './internal/format.js';
import { sendLocal, sendTcp, sendUdp } from './internal/send.js';
import { parseTarget, TARGET } from './internal/target.js';

/** Options of {@link syslogProcessor}: the defaults of jobs' keys, and limits. */
export interface SyslogProcessorOptions {
  /** `target` of jobs that set none. Default `unix:/dev/log`. */
  readonly target?: string;
  /** How long sending may take, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Longest message text in bytes; a longer line continues in the next message. Default 2048. */
  readonly maxMessageBytes?: number;
  /** util-linux `logger`, used for local sockets. Default `logger` (from PATH). */
  readonly loggerPath?: string;
  /** Host name in network messages. Default: the node name. */
  readonly hostname?: string;
}

/** The name of the plugin made by {@link syslogProcessor}. */
export const SYSLOG_PROCESSOR_PLUGIN = '@dkron-core/processor-syslog';

/** The output stored in place of the real one when `forward` is false (Dkron's text). */
export const SYSLOG_PLACEHOLDER = 'Output in syslog';

const FACILITY_NAMES = Object.keys(FACILITIES) as [Facility, ...Facility[]];

/** Creates the plugin that registers the `syslog` processor. */
export function syslogProcessor(options: SyslogProcessorOptions = {}): DkronPlugin {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxMessageBytes ?? 2048;
  return definePlugin({
    name: SYSLOG_PROCESSOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      const defaultTarget = options.target ?? 'unix:/dev/log';
      if (!TARGET.test(defaultTarget)) parseTarget(defaultTarget);
      const name = options.hostname ?? (host.nodeName || hostname());
      host.processor(
        defineProcessor({
          name: 'syslog',
          description: "Sends each execution's output to syslog, one message per line.",
          config: c.object({
            forward: c
              .boolean({
                description: 'Also keep the output in the execution record; otherwise store a placeholder.',
              })
              .default(false),
            target: c
              .string({
                pattern: TARGET,
                description: 'unix:/dev/log (local socket), udp://host:514 or tcp://host:514.',
              })
              .default(defaultTarget),
            format: c.enum(['rfc3164', 'rfc5424'], { description: 'Message format.' }).default('rfc3164'),
            facility: c
              .enum(FACILITY_NAMES, { description: 'Syslog facility (Dkron: cron).' })
              .default('cron'),
            tag: c
              .string({
                pattern: /^[A-Za-z0-9_.-]{1,32}$/,
                description: 'APP-NAME / TAG of the messages (Dkron: dkron).',
              })
              .default('dkron'),
          }),
          async process(execution, context) {
            const { config } = context;
            const target = parseTarget(config.target);
            const severity = execution.success ? 'info' : 'err';
            const data = {
              job: execution.job_name,
              execution: execution.id,
              success: String(execution.success),
            };
            const lines = outputLines(execution.output, maxBytes);
            const send = { timeoutMs, signal: context.signal };
            if (target.kind === 'unix') {
              await sendLocal(
                target,
                lines,
                {
                  format: config.format,
                  facility: config.facility,
                  severity,
                  tag: config.tag,
                  data,
                  maxBytes,
                  loggerPath: options.loggerPath ?? 'logger',
                },
                send,
              );
            } else {
              const time = new Date(Date.parse(execution.finished_at) || Date.now());
              const format = config.format === 'rfc5424' ? formatRfc5424 : formatRfc3164;
              const messages = lines.map((text) =>
                format({
                  facility: config.facility,
                  severity,
                  time,
                  hostname: name,
                  tag: config.tag,
                  pid: process.pid,
                  data,
                  text,
                }),
              );
              if (target.kind === 'udp') await sendUdp(target, messages, send);
              else await sendTcp(target, messages, send);
            }
            return config.forward ? execution : { ...execution, output: SYSLOG_PLACEHOLDER };
          },
        }),
      );
    },
  });
}
