/**
 * Turns pino's JSON lines into readable text for a terminal:
 * `2026-01-02T15:04:05.000Z INFO  agent started node=n1 http=:8080`.
 * Small on purpose: pino-pretty would be one more dependency for a nicety.
 */

import type pino from 'pino';

const HIDDEN = new Set(['time', 'level', 'msg', 'node', 'pid', 'hostname']);

/** A pino destination that writes each JSON line to `target` as one line of text. */
export function createPrettyStream(target: pino.DestinationStream): pino.DestinationStream {
  return { write: (line: string) => target.write(formatLine(line)) };
}

/** Formats one JSON log line; a line that is not JSON is passed through. */
export function formatLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = String(entry.level ?? 'info')
    .toUpperCase()
    .padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  if (entry.node !== undefined) fields.push(`node=${formatValue(entry.node)}`);
  const stack = errorStack(entry.err ?? entry.error);
  return (
    `${String(entry.time ?? '')} ${level} ${String(entry.msg ?? '')} ${fields.join(' ')}`.trimEnd() +
    stack +
    '\n'
  );
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'object' && value !== null && 'message' in value) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function errorStack(value: unknown): string {
  if (typeof value !== 'object' || value === null || !('stack' in value) || typeof value.stack !== 'string') {
    return '';
  }
  const frames = value.stack.split('\n').slice(1);
  return frames.map((frame) => `\n    ${frame.trim()}`).join('');
}
