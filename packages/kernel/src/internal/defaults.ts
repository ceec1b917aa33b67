import { DEFAULT_CATCHUP_WINDOW } from '@dkron-core/plugin-api';
import { parseGoDuration } from './schedule/index.js';

/** The catch-up window of a job that sets none (or an unreadable one), in ms. */
export const DEFAULT_CATCHUP_MS = parseGoDuration(DEFAULT_CATCHUP_WINDOW);

/** Output kept per execution by default: the last bytes, as Dkron's circular buffer. */
export const DEFAULT_OUTPUT_LIMIT = 256_000;

/** Executions kept per job by default (Dkron's fixed value). */
export const DEFAULT_RETAINED_EXECUTIONS = 100;
