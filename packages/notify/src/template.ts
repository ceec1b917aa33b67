/**
 * The payload templates (`mail-payload`, `webhook-payload`, `pre-webhook-payload`).
 *
 * Dkron runs them through Go's text/template. dkron-core reads only the subset notification payloads
 * use: field references `{{.JobName}}` (spaces allowed inside the braces), Go's trim markers
 * `{{- .X -}}` and comments `{{/* … *\/}}`. Anything else (`if`, `range`, pipelines, function calls)
 * is refused rather than evaluated, so a template can never run code; the body then becomes
 * `Failed to parse template: <reason>`, Dkron's text for a bad template. One difference: an unknown
 * field is an execution error in Go (`Failed to execute template:…`); here it is found while parsing
 * and reported with the parse prefix.
 */

/** Every field a template may reference. Dkron's eight, then dkron-core's additions. */
export const TEMPLATE_FIELDS = [
  'Report',
  'JobName',
  'ReportingNode',
  'StartTime',
  'FinishedAt',
  'Success',
  'NodeName',
  'Output',
  'Status',
  'ExecutionID',
  'Attempt',
  'Group',
] as const;

/** A field name a template may reference. */
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** The values of every template field, already formatted as text. */
export type TemplateData = Readonly<Record<TemplateField, string>>;

type Part = string | { readonly field: TemplateField };

/** A template read once and rendered many times, or why it cannot be rendered. */
export type CompiledTemplate =
  | { readonly ok: true; readonly parts: readonly Part[] }
  | { readonly ok: false; readonly reason: string };

/** The body Dkron sends in place of a template it cannot parse. */
export const TEMPLATE_ERROR_PREFIX = 'Failed to parse template: ';

const KNOWN = new Set<string>(TEMPLATE_FIELDS);
// Go's trim markers need ASCII white space between the dash and the action ("{{- " and " -}}").
const SPACE = '[ \\t\\r\\n]';
const LEADING_TRIM = new RegExp(`^-${SPACE}`);
const TRAILING_TRIM = new RegExp(`${SPACE}-$`);
const FIELD_REF = new RegExp(`^${SPACE}*\\.([A-Za-z_][A-Za-z0-9_]*)${SPACE}*$`);
const COMMENT = new RegExp(`^${SPACE}*/\\*[\\s\\S]*\\*/${SPACE}*$`);
const TRAILING_SPACE = new RegExp(`${SPACE}+$`);
const LEADING_SPACE = new RegExp(`^${SPACE}+`);

const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** Reads a template; the result says why when it uses anything beyond field references. */
export function compileTemplate(text: string): CompiledTemplate {
  const parts: Part[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = text.indexOf('{{', pos);
    let literal = text.slice(pos, open < 0 ? undefined : open);
    if (trimNext) literal = literal.replace(LEADING_SPACE, '');
    if (open < 0) {
      parts.push(literal);
      return { ok: true, parts: merge(parts) };
    }
    const close = text.indexOf('}}', open + 2);
    const where = `template: report:${lineOf(text, open)}:`;
    if (close < 0) return { ok: false, reason: `${where} unclosed action` };
    let inner = text.slice(open + 2, close);
    if (LEADING_TRIM.test(inner)) {
      inner = inner.slice(1);
      literal = literal.replace(TRAILING_SPACE, '');
    }
    trimNext = TRAILING_TRIM.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    parts.push(literal);
    pos = close + 2;
    if (COMMENT.test(inner)) continue;
    const ref = FIELD_REF.exec(inner);
    if (!ref) {
      return {
        ok: false,
        reason: `${where} unsupported action {{${text.slice(open + 2, close)}}}: only field references such as {{.JobName}} are allowed`,
      };
    }
    const name = ref[1] as string;
    if (!KNOWN.has(name)) {
      return { ok: false, reason: `${where} executing "report" at <.${name}>: can't evaluate field ${name}` };
    }
    parts.push({ field: name as TemplateField });
  }
}

// Adjacent literals (left by comments) are joined so rendering is one pass of concatenation.
function merge(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part;
    else if (part !== '') out.push(part);
  }
  return out;
}

/** Renders a compiled template; a template that failed to compile renders as Dkron's error text. */
export function renderCompiled(template: CompiledTemplate, data: TemplateData): string {
  if (!template.ok) return TEMPLATE_ERROR_PREFIX + template.reason;
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : data[part.field];
  return out;
}

/**
 * Renders `text` with `data`. Values are inserted as they are (text/template does not escape), so
 * an output with quotes can break a JSON payload, exactly as in Dkron.
 */
export function renderTemplate(text: string, data: TemplateData): string {
  return renderCompiled(compileTemplate(text), data);
}
