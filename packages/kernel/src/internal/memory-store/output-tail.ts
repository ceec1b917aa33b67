/** Cutting execution output to its last bytes (`output_size_limit`: the tail is what users read). */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The last `limit` UTF-8 bytes of `text` and whether anything was cut. A character split by the cut is
 * dropped whole, so the result is valid text of at most `limit` bytes.
 */
export function tailBytes(text: string, limit: number): { text: string; truncated: boolean } {
  const bytes = encoder.encode(text);
  if (bytes.length <= limit) return { text, truncated: false };
  let start = bytes.length - Math.max(0, Math.floor(limit));
  // Skip UTF-8 continuation bytes (10xxxxxx) to start on a character boundary.
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return { text: decoder.decode(bytes.subarray(start)), truncated: true };
}
