import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

/** A new token secret: a random UUID (122 random bits), Dkron Pro's and Consul's shape. */
export function newSecret(): string {
  return randomUUID();
}

/** The stored form of a secret: its SHA-256, lowercase hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two hex digests in constant time (no early exit on the first differing byte). */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
