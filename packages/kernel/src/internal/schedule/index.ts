/**
 * The schedule engine: Dkron's schedule syntax, zone-aware fire times with dkron-core's DST rule
 * (DESIGN.md §5), and the duration formats schedules use.
 *
 * @packageDocumentation
 */

export { parseGoDuration } from './go-duration.js';
export { hashSchedule } from './hash.js';
export { parseIsoDuration } from './iso-duration.js';
export { parseSchedule } from './parse.js';
export { previewSchedule } from './preview.js';
export { matchRfc3339, type Rfc3339Fields } from './rfc3339.js';
export type { PreviewScheduleInput, Schedule, ScheduleKind, ScheduleOptions } from './types.js';
export { isValidTimezone } from './zone.js';
