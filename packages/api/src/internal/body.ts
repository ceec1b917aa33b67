import { DkronError } from '@dkron-core/plugin-api';
import type { HonoRequest } from 'hono';
import { badRequest, notFound } from './errors.js';

function unparsable(detail: string): DkronError {
  return new DkronError('VALIDATION', `Unable to parse payload: ${detail}.`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Reads a job body as Dkron's gin binds it: as JSON whatever the `Content-Type` says.
 * Only the JSON syntax and the top-level shape are checked here; fields are the agent's business.
 */
export async function readJsonObject(req: HonoRequest): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.trim() === '') throw unparsable('empty body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unparsable(error instanceof Error ? error.message : 'invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unparsable(`expected a JSON object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the `file` field of a `POST /v1/restore` form: a JSON array of jobs. Like Dkron, a form
 * without `file` is a 404; unlike Dkron, a body that is not a form says so with a 400.
 */
export async function readRestoreFile(req: HonoRequest): Promise<unknown[]> {
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw badRequest('file', 'expected a multipart/form-data body with a "file" field');
  }
  const file = form.get('file');
  if (file === null) throw notFound('restore: the form has no "file" field');
  const text = typeof file === 'string' ? file : await file.text();
  let jobs: unknown;
  try {
    jobs = JSON.parse(text);
  } catch (error) {
    throw badRequest('file', `not valid JSON: ${error instanceof Error ? error.message : 'invalid JSON'}`);
  }
  if (!Array.isArray(jobs)) throw badRequest('file', `expected a JSON array of jobs, got ${kindOf(jobs)}`);
  return jobs;
}
