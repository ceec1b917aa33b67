import { c, type InferConfig } from '@dkron-core/plugin-api';
import { decodeBase64 } from './base64.js';
import { parseMemLimit } from './mem-limit.js';

// What parseMemLimit turns into a whole number of bytes > 0: at least 1 without a unit (or with B), a
// non-zero amount with a larger unit (sub-byte amounts like "0.0001K" are the server's alone to refuse).
const MEM_LIMIT = /^(0*[1-9]\d*(\.\d+)?\s*[Bb]?|(\d*[1-9]\d*(\.\d+)?|\d*\.\d*[1-9]\d*)\s*[KMGTkmgt][Bb]?)$/;

const memLimit = c
  .custom<number>({
    expected: 'a size like "512MB" or "1.5G"',
    description:
      'Memory limit of the whole process tree, in bytes or with a unit B, KB/K, MB/M, GB/G, TB/T ' +
      '(1024-based). Polled every second; over it, the job is killed.',
    json: { type: 'number', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    text: { type: 'string', pattern: MEM_LIMIT.source },
    convert(input) {
      const text = typeof input === 'number' ? String(input) : input;
      const bytes = typeof text === 'string' && MEM_LIMIT.test(text) ? parseMemLimit(text) : undefined;
      return bytes === undefined ? { ok: false } : { ok: true, value: bytes };
    },
  })
  .optional();

const payload = c
  .custom<Buffer>({
    expected: 'base64 data',
    description: 'Base64 data written to the command’s standard input.',
    // Standard padded base64, line breaks ignored: exactly what decodeBase64 accepts.
    json: {
      type: 'string',
      contentEncoding: 'base64',
      pattern:
        '^[\\r\\n]*((?:[A-Za-z0-9+/][\\r\\n]*){4})*((?:[A-Za-z0-9+/][\\r\\n]*){2}=[\\r\\n]*=[\\r\\n]*|(?:[A-Za-z0-9+/][\\r\\n]*){3}=[\\r\\n]*)?$',
    },
    convert(input) {
      if (typeof input !== 'string') return { ok: false };
      const bytes = decodeBase64(input);
      return typeof bytes === 'string' ? { ok: false, message: bytes } : { ok: true, value: bytes };
    },
  })
  .optional();

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
