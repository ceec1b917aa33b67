export type { CleanTags } from './clean-tags.js';
export { cleanTags } from './clean-tags.js';
export type { TargetCandidate } from './select-targets.js';
export { selectTargets } from './select-targets.js';
