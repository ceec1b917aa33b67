/**
 * `dkron-core schedule "<expr>"`: the next fire times of a schedule, to check an expression before
 * saving a job.
 */

import { isDkronError } from '@dkron-core/plugin-api';
import { parseArgv } from '../config/argv.js';
import { UsageError } from '../config/errors.js';
import { toInt } from '../config/values.js';
import { renderCommandHelp } from './help.js';
import { type Command, EXIT, type FlagDoc } from './types.js';

const FLAGS: readonly FlagDoc[] = [
  { name: 'tz', takesValue: true, placeholder: 'zone', default: 'UTC', description: 'time zone of the job' },
  {
    name: 'from',
    takesValue: true,
    placeholder: 'time',
    default: 'now',
    description: 'list fire times after this RFC 3339 time',
  },
  {
    name: 'count',
    short: 'n',
    takesValue: true,
    placeholder: 'n',
    default: '5',
    description: 'how many fire times to list (1-1000)',
  },
  {
    name: 'job',
    takesValue: true,
    placeholder: 'name',
    description: 'job name, which decides the value of ~ fields',
  },
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Reads `--from`: an RFC 3339 time with its offset (a time without one would be ambiguous). */
export function parseFrom(text: string): Date {
  const date = RFC3339.test(text) ? new Date(text) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--from: ${JSON.stringify(text)} is not an RFC 3339 time such as 2026-01-02T15:04:05Z`,
    );
  }
  return date;
}

/** `dkron-core schedule`. */
export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'Show the next fire times of a schedule expression',
  usage: 'schedule <expression> [flags]',
  description:
    "Prints the next fire times of a job schedule, one RFC 3339 time per line, in the job's time zone.\n" +
    'Accepts every form a job accepts: 6-field cron with seconds, 5-field cron, @daily and the other\n' +
    'descriptors, @every <duration>, @at <time>, ~ fields and a TZ= prefix. Quote the expression.',
  flags: FLAGS,
  examples: [
    'dkron-core schedule "0 30 2 * * *" --tz America/New_York -n 3',
    'dkron-core schedule "@every 90s" --from 2026-01-01T00:00:00Z',
  ],
  async run(argv, context) {
    const args = parseArgv(argv, FLAGS, 'schedule');
    if (args.help) {
      context.stdout(renderCommandHelp(scheduleCommand, 'schedule'));
      return EXIT.ok;
    }
    // Unquoted expressions arrive as several arguments; rejoining them is what the user meant.
    const expression = args.positionals.join(' ').trim();
    if (expression === '')
      throw new UsageError('missing schedule expression (see dkron-core schedule --help)');
    const last = (name: string) => args.flags.get(name)?.at(-1);
    const countText = last('count');
    let count = 5;
    if (countText !== undefined) {
      const parsed = toInt(countText, 1, 1000);
      if (!parsed.ok) throw new UsageError(`--count: ${parsed.problem}`);
      count = parsed.value;
    }
    const fromText = last('from');
    const timezone = last('tz');
    const jobName = last('job');
    // Imported here so other commands do not load the kernel.
    const { previewSchedule } = await import('@dkron-core/kernel');
    let times: string[];
    try {
      times = previewSchedule({
        expression,
        count,
        ...(timezone === undefined ? {} : { timezone }),
        ...(fromText === undefined ? {} : { from: parseFrom(fromText) }),
        ...(jobName === undefined ? {} : { jobName }),
      });
    } catch (err) {
      if (!isDkronError(err, 'SCHEDULE_INVALID', 'VALIDATION')) throw err;
      context.stderr(`${err.message}\n`);
      return EXIT.usage;
    }
    if (times.length === 0) context.stderr('this schedule never fires after that time\n');
    context.stdout(times.map((t) => `${t}\n`).join(''));
    return EXIT.ok;
  },
};
