/** What replaces a secret in output, errors and logs. */
export const HIDDEN = '***';

/** `nats://user:secret@host` → `nats://user:***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/^(\s*[a-z]+:\/\/[^:@/\s]*:)[^@/\s]*@/i, `$1${HIDDEN}@`);
}

/**
 * Removes every secret from `text`: passwords given in the config and those inside server URLs, which
 * error messages of the client may quote.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z]+:\/\/[^:@/\s]*:)[^@/\s]*@/gi, `$1${HIDDEN}@`);
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join(HIDDEN);
  return out;
}

/** The passwords of a config: the `password` key and those inside the URLs. */
export function secretsOf(password: string, urls: readonly string[]): string[] {
  const found = [password];
  for (const url of urls) {
    const m = /^\s*[a-z]+:\/\/[^:@/\s]*:([^@/\s]+)@/i.exec(url);
    if (m?.[1]) found.push(m[1], decodeURIComponentSafe(m[1]));
  }
  return [...new Set(found.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
