import { c, type InferConfig } from '@dkron-core/plugin-api';
import { decodeBase64 } from './base64.js';
import { parseMemLimit } from './mem-limit.js';
import { textSchema } from './text-schema.js';

const memLimit = textSchema(
  {
    numbers: true,
    json: {
      anyOf: [
        { type: 'number', minimum: 0 },
        { type: 'string', pattern: '^(\\d+(\\.\\d+)?|\\.\\d+)\\s*([KMGTkmgt][Bb]?|[Bb])?$' },
      ],
    },
    convert(text) {
      const bytes = parseMemLimit(text);
      return bytes === undefined
        ? { ok: false, message: `expected a size like "512MB" or "1.5G", got ${JSON.stringify(text)}` }
        : { ok: true, value: bytes };
    },
  },
  'Memory limit of the whole process tree, in bytes or with a unit B, KB/K, MB/M, GB/G, TB/T (1024-based). ' +
    'Polled every second; over it, the job is killed.',
);

const payload = textSchema(
  {
    // Standard padded base64, line breaks ignored: exactly what decodeBase64 accepts.
    json: {
      type: 'string',
      contentEncoding: 'base64',
      pattern:
        '^[\\r\\n]*((?:[A-Za-z0-9+/][\\r\\n]*){4})*((?:[A-Za-z0-9+/][\\r\\n]*){2}=[\\r\\n]*=[\\r\\n]*|(?:[A-Za-z0-9+/][\\r\\n]*){3}=[\\r\\n]*)?$',
    },
    convert(text) {
      const bytes = decodeBase64(text);
      return typeof bytes === 'string' ? { ok: false, message: bytes } : { ok: true, value: bytes };
    },
  },
  'Base64 data written to the command’s standard input.',
);

/** The shell executor's `executor_config`: every key of Dkron's shell executor. */
export const shellConfig = c.object({
  command: c.string({ description: 'The command to run.' }),
  shell: c
    .boolean({
      description:
        'Run the command with /bin/sh -c (pipes, redirections, variables). Otherwise it is split into words ' +
        '(quotes honoured, no expansion) and run directly.',
    })
    .default(false),
  env: c
    .string({ description: 'Comma-separated KEY=value pairs added to the agent’s environment.' })
    .default(''),
  cwd: c.string({ description: 'Working directory; the agent’s when empty.' }).default(''),
  timeout: c
    .duration({
      min: 0,
      description:
        'Go duration (30s, 1h30m) after which the whole process group is killed; 0 or empty: none.',
    })
    .default(0),
  mem_limit: memLimit,
  payload,
  su: c.string({ description: 'user or user:group to run as; the agent must run as root.' }).default(''),
});

/** The parsed shell executor config. */
export type ShellConfig = InferConfig<typeof shellConfig>;
