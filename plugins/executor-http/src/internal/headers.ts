import { type Conversion, c } from '@dkron-core/plugin-api';

/** One request header, as configured. */
export type Header = readonly [name: string, value: string];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values may hold any visible character and inner spaces/tabs, never CR, LF or NUL.
const FIELD_VALUE = /^[^\r\n\0]*$/;
const EXPECTED = 'a JSON array of "Name: value" strings';

/**
 * Parses Dkron's `headers`: a JSON array (or a string holding one) of `"Name: value"` entries. The
 * value is everything after the first colon, trimmed, so values may contain colons (Dkron kept only
 * the text up to the second colon).
 */
export function parseHeaders(input: unknown): Conversion<Header[]> {
  let list: unknown = input;
  if (typeof input === 'string') {
    try {
      list = JSON.parse(input);
    } catch {
      return { ok: false };
    }
  }
  if (!Array.isArray(list)) return { ok: false };
  const headers: Header[] = [];
  for (const [i, entry] of list.entries()) {
    const header = parseHeader(entry);
    if (typeof header === 'string') return { ok: false, message: `entry ${i}: ${header}` };
    headers.push(header);
  }
  return { ok: true, value: headers };
}

function parseHeader(entry: unknown): Header | string {
  if (typeof entry !== 'string') return `expected a "Name: value" string, got ${JSON.stringify(entry)}`;
  const colon = entry.indexOf(':');
  if (colon < 0) return `expected "Name: value", got ${JSON.stringify(entry)} (no colon)`;
  const name = entry.slice(0, colon).trim();
  const value = entry.slice(colon + 1).trim();
  if (!TOKEN.test(name)) return `${JSON.stringify(name)} is not a valid header name`;
  if (!FIELD_VALUE.test(value)) return `the value of ${name} contains a line break or NUL`;
  return [name, value];
}

/** The `headers` key: a list of `"Name: value"` strings (a JSON string of one, as Dkron stores it). */
export const headersSchema = c
  .custom<Header[]>({
    expected: EXPECTED,
    description:
      'Request headers: a JSON array of "Name: value" strings, e.g. ["Content-Type: application/json"]. ' +
      'The value is everything after the first colon.',
    json: {
      type: 'array',
      items: { type: 'string', pattern: "^\\s*[!#$%&'*+\\-.^_`|~0-9A-Za-z]+\\s*:\\s*[^\\r\\n\\u0000]*\\s*$" },
    },
    text: { type: 'string', contentMediaType: 'application/json' },
    toInput: (headers) => headers.map(([name, value]) => `${name}: ${value}`),
    convert: parseHeaders,
  })
  .default([]);
