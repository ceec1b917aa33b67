const ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Decodes standard, padded base64 strictly, like Go's `base64.StdEncoding` (line breaks ignored).
 * Node's own decoder skips bad characters silently, which would feed a job a corrupted stdin.
 *
 * @returns the bytes, or the Go-style message `illegal base64 data at input byte N`.
 */
export function decodeBase64(text: string): Buffer | string {
  const clean = text.replace(/[\r\n]/g, '');
  const fail = (index: number): string => `illegal base64 data at input byte ${index}`;
  const padAt = clean.indexOf('=');
  const dataEnd = padAt === -1 ? clean.length : padAt;
  for (let i = 0; i < dataEnd; i++) {
    if (!ALPHABET.test(clean[i] as string)) return fail(i);
  }
  // Padding may only fill the last one or two characters of the final 4-character group.
  for (let i = dataEnd; i < clean.length; i++) {
    if (clean[i] !== '=' || i % 4 < 2) return fail(i);
  }
  if (clean.length % 4 !== 0) return fail(clean.length);
  return Buffer.from(clean, 'base64');
}
