import { describe, expect, it } from 'vitest';
import { CallVerifier, decodeKey, FRESHNESS_MS, sameMac, serverProof, signCall } from './auth.js';

const KEY = decodeKey(Buffer.alloc(16, 7).toString('base64'));
const OTHER = decodeKey(Buffer.alloc(16, 8).toString('base64'));

describe('call authentication', () => {
  it('accepts a fresh call signed with the key, once', () => {
    const verifier = new CallVerifier(KEY);
    const call = signCall(KEY, 'a1', 1_000_000);
    expect(verifier.verify(call, 1_000_500)).toBeUndefined();
    expect(verifier.verify(call, 1_000_600)).toMatch(/replayed/);
  });

  it('refuses a wrong key, missing credentials, a stale or tampered call', () => {
    const verifier = new CallVerifier(KEY);
    expect(verifier.verify(signCall(OTHER, 'a1', 0), 0)).toMatch(/wrong --encrypt key/);
    expect(verifier.verify({}, 0)).toMatch(/no --encrypt credentials/);
    expect(verifier.verify(signCall(KEY, 'a1', 0), FRESHNESS_MS + 1)).toMatch(/timestamp/);
    const call = signCall(KEY, 'a1', 0);
    expect(verifier.verify({ ...call, node: 'a2' }, 0)).toMatch(/wrong --encrypt key/);
  });

  it('proves the server holds the key, bound to the nonce', () => {
    const proof = serverProof(KEY, 's1', 'n1');
    expect(sameMac(proof, serverProof(KEY, 's1', 'n1'))).toBe(true);
    expect(sameMac(proof, serverProof(KEY, 's1', 'n2'))).toBe(false);
    expect(sameMac(proof, serverProof(OTHER, 's1', 'n1'))).toBe(false);
    expect(sameMac(proof, '')).toBe(false);
  });

  it('refuses a key that is not base64 of 16, 24 or 32 bytes', () => {
    expect(() => decodeKey('abc')).toThrow(/16, 24 or 32 bytes/);
  });
});
