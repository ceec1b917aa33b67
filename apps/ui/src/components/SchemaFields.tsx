import type { JsonSchema } from '../lib/types';

const TRUTHY = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** The kinds of input a JSON Schema property becomes. */
export type FieldKind = 'boolean' | 'enum' | 'number' | 'object' | 'string';

/** Values with units that a number input cannot hold (Go durations, sizes) or plain words. */
const WORDLIKE = ['1s', '1m', '1h', '1ms', '1h30m', '1KB', '1MB', '1G', '1B', 'x'];

/**
 * Whether a string variant takes more than the text of a number: no pattern (free text), a `format`
 * (`go-duration`), or a pattern that accepts a value with a unit (`512MB`).
 */
function takesWords(variant: JsonSchema): boolean {
  if (variant.format || variant.enum || !variant.pattern) return true;
  try {
    const pattern = new RegExp(variant.pattern, 'u');
    return WORDLIKE.some((sample) => pattern.test(sample));
  } catch {
    return true;
  }
}

export function kindOf(schema: JsonSchema): FieldKind {
  const variants = schema.anyOf ?? schema.oneOf ?? [schema];
  const typesOf = (v: JsonSchema) => (Array.isArray(v.type) ? v.type : v.type ? [v.type] : []);
  const types = variants.flatMap(typesOf);
  if (types.includes('boolean')) return 'boolean';
  if (schema.enum && schema.enum.length > 0) return 'enum';
  // A duration is published as "seconds or a Go duration" (`30`, `1m30s`): a text field takes both.
  if (variants.some((v) => v.format === 'go-duration')) return 'string';
  // So is a size (`512MB`, shell's mem_limit): a number input only when every text form is a number.
  if (types.includes('integer') || types.includes('number')) {
    return variants.some((v) => typesOf(v).includes('string') && takesWords(v)) ? 'string' : 'number';
  }
  if (types.includes('object') && schema.properties) return 'object';
  return 'string';
}

/** A config value as a checkbox reads it: booleans, and Dkron's string booleans. */
export function asBoolean(value: unknown): boolean {
  return value === true || (typeof value === 'string' && TRUTHY.has(value));
}

function label(name: string, schema: JsonSchema): string {
  return schema.title ?? name.replaceAll('_', ' ');
}

/**
 * Inputs generated from a plugin's config schema (`GET /v1/plugins`), one per property, instead of a
 * raw JSON box. Keys the schema does not name are kept as they are. An emptied optional field is
 * removed, so the plugin's default applies.
 */
export function SchemaFields(props: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  /** Gets an update of the current value (not a value: two events before a render must both apply). */
  onChange: (update: (value: Record<string, unknown>) => Record<string, unknown>) => void;
  /** Field path prefix for ids and server errors, e.g. `executor_config`. */
  path: string;
  errors: Record<string, string>;
}) {
  const { schema, value, onChange, path, errors } = props;
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  const change = (key: string, compute: (old: unknown) => unknown) =>
    onChange((current) => {
      const next = { ...current };
      const v = compute(current[key]);
      if (v === undefined || (v === '' && !required.has(key))) delete next[key];
      else next[key] = v;
      return next;
    });
  const set = (key: string, v: unknown) => change(key, () => v);
  const extra = Object.keys(value).filter((k) => !schema.properties?.[k]);
  if (properties.length === 0) {
    return <p className="muted">This plugin takes no settings.</p>;
  }
  return (
    <div className="form-grid">
      {properties.map(([key, prop]) => {
        const id = `${path}.${key}`.replaceAll(/[^A-Za-z0-9_.-]/g, '_');
        const error = errors[`${path}.${key}`];
        const kind = kindOf(prop);
        const hint = prop.description ? (
          <div className="hint" id={`${id}-hint`}>
            {prop.description}
          </div>
        ) : null;
        const describedBy =
          [prop.description ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') ||
          undefined;
        const errorLine = error ? (
          <div className="error" id={`${id}-error`} role="alert">
            {error}
          </div>
        ) : null;
        const current = value[key];
        if (kind === 'boolean') {
          const fallback = asBoolean(prop.default);
          return (
            <div className="field" key={key}>
              <label className="check" htmlFor={id}>
                <input
                  id={id}
                  type="checkbox"
                  checked={current === undefined ? fallback : asBoolean(current)}
                  aria-describedby={describedBy}
                  onChange={(e) => set(key, e.target.checked)}
                />
                {label(key, prop)}
              </label>
              {hint}
              {errorLine}
            </div>
          );
        }
        if (kind === 'object') {
          return (
            <fieldset className="field" key={key}>
              <legend>{label(key, prop)}</legend>
              <SchemaFields
                schema={prop}
                value={(current as Record<string, unknown>) ?? {}}
                onChange={(update) =>
                  change(key, (old) => {
                    const v = update((old as Record<string, unknown> | undefined) ?? {});
                    return Object.keys(v).length === 0 ? undefined : v;
                  })
                }
                path={`${path}.${key}`}
                errors={errors}
              />
            </fieldset>
          );
        }
        return (
          <div className="field" key={key}>
            <label htmlFor={id}>
              {label(key, prop)}
              {required.has(key) ? <span aria-hidden="true"> *</span> : null}
            </label>
            {kind === 'enum' ? (
              <select
                id={id}
                value={current === undefined ? '' : String(current)}
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy}
                onChange={(e) => set(key, e.target.value)}
              >
                <option value="">
                  {prop.default === undefined ? '—' : `default (${String(prop.default)})`}
                </option>
                {(prop.enum ?? []).map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={kind === 'number' ? 'number' : 'text'}
                value={current === undefined || current === null ? '' : String(current)}
                placeholder={
                  prop.default !== undefined && prop.default !== '' ? String(prop.default) : undefined
                }
                required={required.has(key)}
                aria-invalid={error ? true : undefined}
                aria-describedby={describedBy}
                onChange={(e) =>
                  set(
                    key,
                    kind === 'number' && e.target.value !== '' ? Number(e.target.value) : e.target.value,
                  )
                }
              />
            )}
            {hint}
            {errorLine}
          </div>
        );
      })}
      {extra.length > 0 ? (
        <p className="muted">Other keys kept as they are: {extra.join(', ')} (edit them in the JSON view).</p>
      ) : null}
    </div>
  );
}
