/**
 * Conversions of raw config values (flag and env strings, or YAML/JSON values) to typed values.
 * Each returns the value or a problem sentence without its source; the loader adds the source.
 */

import type { PluginEntry } from './agent-config.js';
import { parseDuration } from './duration.js';

/** A converted value, or why the raw value is unusable. */
export type Converted<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

const ok = <T>(value: T): Converted<T> => ({ ok: true, value });
const bad = (problem: string): Converted<never> => ({ ok: false, problem });
const show = (raw: unknown): string => JSON.stringify(raw) ?? String(raw);

const TRUE = new Set(['1', 't', 'true', 'yes', 'y', 'on']);
const FALSE = new Set(['0', 'f', 'false', 'no', 'n', 'off']);

/** Go's strconv.ParseBool spellings, plus yes/no and on/off. */
export function toBool(raw: unknown): Converted<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  const s = String(raw).trim().toLowerCase();
  if (TRUE.has(s)) return ok(true);
  if (FALSE.has(s)) return ok(false);
  return bad(`must be true or false, got ${show(raw)}`);
}

/** A scalar as text; objects and lists are refused. */
export function toText(raw: unknown): Converted<string> {
  if (typeof raw === 'string') return ok(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean') return ok(String(raw));
  if (raw === null) return ok('');
  return bad(`must be a single value, got ${show(raw)}`);
}

/** An integer within `[min, max]`. */
export function toInt(raw: unknown, min: number, max: number): Converted<number> {
  const n =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)
        ? Number(raw)
        : NaN;
  if (!Number.isInteger(n)) return bad(`must be a whole number, got ${show(raw)}`);
  if (n < min || n > max) {
    return bad(
      max === Number.MAX_SAFE_INTEGER
        ? `must be at least ${min}, got ${n}`
        : `must be between ${min} and ${max}, got ${n}`,
    );
  }
  return ok(n);
}

/** A Go duration such as `30s` or `1h30m`, in milliseconds. */
export function toDurationMs(raw: unknown): Converted<number> {
  const text = toText(raw);
  if (!text.ok) return text;
  const ms = parseDuration(text.value);
  return ms === undefined ? bad(`must be a duration such as 30s, 5m or 1h30m, got ${show(raw)}`) : ok(ms);
}

/**
 * A list: a YAML/JSON array, or text split on commas (as pflag's string slices do). Blank items are
 * dropped so `DKRON_JOIN=` means an empty list.
 */
export function toList(raw: unknown): Converted<string[]> {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
  const out: string[] = [];
  for (const item of items) {
    const text = toText(item);
    if (!text.ok) return bad(`must be a list of values, got ${show(raw)}`);
    const t = text.value.trim();
    if (t !== '') out.push(t);
  }
  return ok(out);
}

/** `key=value` items (the `--tag` flag), later ones winning. */
export function toTagList(raw: unknown): Converted<Record<string, string>> {
  const list = toList(raw);
  if (!list.ok) return list;
  const tags: Record<string, string> = {};
  for (const item of list.value) {
    const eq = item.indexOf('=');
    if (eq <= 0) return bad(`must be key=value, got ${show(item)}`);
    tags[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return ok(tags);
}

/**
 * The config file's `tags:`: a mapping, a list of one-key mappings (`- foo: bar`, which Dkron's
 * loader also accepts), or `key=value` text (from the environment).
 */
export function toTagMap(raw: unknown): Converted<Record<string, string>> {
  if (typeof raw === 'string') return toTagList(raw);
  const maps = Array.isArray(raw) ? raw : [raw];
  const tags: Record<string, string> = {};
  for (const map of maps) {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      return bad(`must be a mapping of tag names to values, got ${show(raw)}`);
    }
    for (const [key, value] of Object.entries(map)) {
      const text = toText(value);
      if (!text.ok) return bad(`tag ${show(key)}: ${text.problem}`);
      tags[key] = text.value;
    }
  }
  return ok(tags);
}

/** One of `choices`, case-insensitive, after mapping `aliases`. */
export function toChoice<T extends string>(
  raw: unknown,
  choices: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): Converted<T> {
  const text = toText(raw);
  if (!text.ok) return text;
  const s = text.value.trim().toLowerCase();
  const found = aliases[s] ?? choices.find((c) => c === s);
  return found === undefined ? bad(`must be one of ${choices.join(', ')}, got ${show(raw)}`) : ok(found);
}

/** The config file's `plugins:` list. */
export function toPluginEntries(raw: unknown): Converted<PluginEntry[]> {
  if (!Array.isArray(raw)) return bad(`must be a list of plugins, got ${show(raw)}`);
  const out: PluginEntry[] = [];
  for (const [i, entry] of raw.entries()) {
    const checked = toPluginEntry(entry);
    if (!checked.ok) return bad(`entry ${i + 1}: ${checked.problem}`);
    out.push(checked.value);
  }
  return ok(out);
}

function toPluginEntry(entry: unknown): Converted<PluginEntry> {
  const shape = 'must be a package name or path, or { name, factory?, options? }';
  if (typeof entry === 'string') return entry.trim() === '' ? bad(shape) : ok(entry.trim());
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return bad(`${shape}, got ${show(entry)}`);
  const { name, factory, options, ...rest } = entry as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return bad(`unknown key ${show(extra[0])} (expected name, factory, options)`);
  if (typeof name !== 'string' || name.trim() === '')
    return bad(`"name" must be a package name or path, got ${show(name)}`);
  if (factory !== undefined && (typeof factory !== 'string' || factory === '')) {
    return bad(`"factory" must be the name of an exported function, got ${show(factory)}`);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    return bad(`"options" must be a mapping, got ${show(options)}`);
  }
  return ok({
    name: name.trim(),
    ...(factory === undefined ? {} : { factory }),
    ...(options === undefined ? {} : { options: options as Record<string, unknown> }),
  });
}
