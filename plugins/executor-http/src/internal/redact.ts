const SENSITIVE = /authorization|cookie|token|secret|passw|api[-_]?key|session|credential|signature/i;

/** Shown instead of a secret. */
export const REDACTED = '[redacted]';

/** True when a header's value may be a secret (credentials, cookies, tokens, keys). */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE.test(name);
}

/** Headers for logs and output: values of {@link isSensitiveHeader} names replaced. */
export function redactHeaders(headers: Iterable<readonly [string, string]>): string[] {
  return [...headers].map(([name, value]) => `${name}: ${isSensitiveHeader(name) ? REDACTED : value}`);
}

/** A URL for logs, errors and output: the password (and the credentials of its query) hidden. */
export function redactUrl(url: URL): string {
  const secretParams = [...url.searchParams.keys()].filter((name) => SENSITIVE.test(name));
  if (url.password === '' && secretParams.length === 0) return url.href;
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  for (const name of secretParams) copy.searchParams.set(name, '***');
  return copy.href;
}
