/** Dkron's `webhook-headers` / `pre-webhook-headers` entries (`Name: value`). */

/** Headers to send, the request host to use, and the entries that were not headers. */
export interface ParsedHeaders {
  /** Value of a `Host` entry: it sets the request's host instead of being a plain header. */
  readonly host: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Entries dropped because they are not `Name: value` with a valid name and value. */
  readonly invalid: readonly string[];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/**
 * Reads `Name: value` entries. Unlike Dkron, the value is everything after the first colon (Dkron
 * keeps only up to the second one, so `Host: example.com:8080` lost its port) and an entry without
 * a colon is dropped (Dkron panicked). Empty entries are skipped; a later entry replaces an earlier
 * one of the same name, as Go's `Header.Set`.
 */
export function parseHeaders(entries: readonly string[] = []): ParsedHeaders {
  let host: string | undefined;
  const headers: Record<string, string> = {};
  const invalid: string[] = [];
  for (const entry of entries) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
      invalid.push(entry);
      continue;
    }
    if (name.toLowerCase() === 'host') {
      host = value;
      continue;
    }
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    }
    headers[name] = value;
  }
  return { host, headers, invalid };
}
