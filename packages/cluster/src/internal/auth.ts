import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Metadata keys of an authenticated call. */
export const AUTH_METADATA = {
  node: 'x-dkron-node',
  timestamp: 'x-dkron-ts',
  nonce: 'x-dkron-nonce',
  mac: 'x-dkron-auth',
} as const;

/** How far a call's timestamp may be from the server's clock. */
export const FRESHNESS_MS = 60_000;

/** The credentials one call carries. */
export interface CallCredentials {
  readonly node: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly mac: string;
}

/** Decodes a `dkron-core keygen` key (base64 of 16, 24 or 32 bytes); throws naming what is wrong. */
export function decodeKey(key: string): Buffer {
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0;
  const bytes = valid ? Buffer.from(key, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
    throw new Error('--encrypt must be a base64 key of 16, 24 or 32 bytes (make one with dkron-core keygen)');
  }
  return bytes;
}

function mac(key: Buffer, purpose: string, parts: readonly string[]): string {
  // Domain-separated: a call's MAC can never pass for a server's proof, nor the other way round.
  return createHmac('sha256', key)
    .update(`dkron-core/cluster/v1/${purpose}\n${parts.join('\n')}`)
    .digest('base64');
}

/** The credentials of a new call of `node`. */
export function signCall(key: Buffer, node: string, now: number): CallCredentials {
  const timestamp = String(now);
  const nonce = randomBytes(16).toString('base64');
  return { node, timestamp, nonce, mac: mac(key, 'call', [node, timestamp, nonce]) };
}

/** The server's answer to a call's nonce: proves the server holds the key too. */
export function serverProof(key: Buffer, server: string, nonce: string): string {
  return mac(key, 'server', [server, nonce]);
}

/** Constant-time comparison of two base64 MACs. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Checks the credentials of calls: MAC, freshness, and nonces never seen within the freshness window
 * (a recorded call cannot be replayed). Answers `undefined` when valid, else why it is refused.
 */
export class CallVerifier {
  readonly #key: Buffer;
  readonly #seen = new Map<string, number>();

  constructor(key: Buffer) {
    this.#key = key;
  }

  verify(credentials: Partial<CallCredentials>, now: number): string | undefined {
    const { node, timestamp, nonce, mac: given } = credentials;
    if (!node || !timestamp || !nonce || !given) return 'the call carries no --encrypt credentials';
    const at = Number(timestamp);
    if (!Number.isFinite(at) || Math.abs(now - at) > FRESHNESS_MS) {
      return `the call's timestamp is more than ${FRESHNESS_MS / 1000} s from this server's clock`;
    }
    if (!sameMac(given, mac(this.#key, 'call', [node, timestamp, nonce]))) {
      return 'wrong --encrypt key (the call signature does not match)';
    }
    this.#forgetBefore(now - FRESHNESS_MS);
    if (this.#seen.has(nonce)) return 'replayed call (its nonce was used already)';
    this.#seen.set(nonce, at);
    return undefined;
  }

  #forgetBefore(limit: number): void {
    for (const [nonce, at] of this.#seen) if (at < limit) this.#seen.delete(nonce);
  }
}
