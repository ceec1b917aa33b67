import { type Conversion, c } from '@dkron-core/plugin-api';

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;
const JS_FLAG: Record<string, string> = { i: 'i', m: 'm', s: 's' };

/**
 * Compiles `expectBody`, a Go regular expression (no `/…/` delimiters). A leading flag group such as
 * `(?i)` or `(?is)`, common in Go patterns, becomes the JavaScript flags; Go's `U` (ungreedy) has no
 * JavaScript equivalent and is refused.
 */
export function compileExpectBody(input: unknown): Conversion<RegExp> {
  if (typeof input !== 'string') return { ok: false };
  let source = input;
  let flags = '';
  const lead = LEADING_FLAGS.exec(source);
  if (lead !== null) {
    for (const f of lead[1] as string) {
      const js = JS_FLAG[f];
      if (js === undefined)
        return { ok: false, message: `the regular expression flag ${f} is not supported` };
      if (!flags.includes(js)) flags += js;
    }
    source = source.slice(lead[0].length);
  }
  try {
    return { ok: true, value: new RegExp(source, flags) };
  } catch (error) {
    return { ok: false, message: `invalid regular expression: ${(error as Error).message}` };
  }
}

/** The `expectBody` key. */
export const expectBodySchema = c
  .custom<RegExp>({
    expected: 'a regular expression',
    description:
      'A regular expression (Go syntax, no /…/ delimiters) that must match somewhere in the response ' +
      'body. A leading (?i), (?m) or (?s) sets flags.',
    json: { type: 'string', format: 'regex' },
    convert: compileExpectBody,
  })
  .optional();
