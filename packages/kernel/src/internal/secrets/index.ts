export { maskJobSecrets, SECRET_MASK, unmaskJobSecrets } from './mask.js';
export type { SecretSource } from './references.js';
export { hasSecretReference, holdsSecretReference, resolveSecretReferences } from './references.js';
