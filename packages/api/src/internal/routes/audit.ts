import { DkronError } from '@dkron-core/plugin-api';
import { Hono } from 'hono';
import { type RouteDeps, searchParams } from '../deps.js';
import { describe } from '../describe.js';
import { parseAuditQuery } from '../query.js';
import { arrayOf } from '../schemas.js';

/** `GET /v1/audit`: the state changes made through the API, newest first. */
export function auditRoutes(deps: RouteDeps) {
  return new Hono().get(
    '/v1/audit',
    describe({
      operationId: 'listAudit',
      summary: 'The audit log',
      description:
        'Every state change made through the API or the CLI: time, token (or `anonymous` with ACLs off), ' +
        'source address, action, job and the definition diff. Kept for `--audit-retention` (default 90 days).',
      tags: ['audit'],
      access: { capabilities: ['list', 'read'] },
      query: {
        job: { description: 'Only this job.' },
        token: { description: 'Only this token name (`anonymous` included).' },
        action: { description: 'Only this action, e.g. `job.update`.' },
        since: {
          description: 'At or after this RFC 3339 time.',
          schema: { type: 'string', format: 'date-time' },
        },
        until: { description: 'Before this RFC 3339 time.', schema: { type: 'string', format: 'date-time' } },
        _order: {
          description: 'Default `DESC` (newest first).',
          schema: { type: 'string', enum: ['ASC', 'DESC'] },
        },
        _start: { description: 'First index, 0-based.', schema: { type: 'integer', minimum: 0 } },
        _end: { description: 'End index, exclusive.', schema: { type: 'integer', minimum: 0 } },
      },
      responses: {
        200: {
          description: 'One page of entries.',
          schema: arrayOf('AuditEntry'),
          headers: ['X-Total-Count'],
        },
      },
      errors: { 400: 'A bad filter or slice parameter.', 404: 'This server keeps no audit log.' },
    }),
    async (c) => {
      const query = parseAuditQuery(searchParams(c));
      if (!deps.access) throw new DkronError('NOT_FOUND', 'this server keeps no audit log');
      const { entries, total } = await deps.access.store.listAudit(query);
      c.header('X-Total-Count', String(total));
      return c.json(entries, 200);
    },
  );
}
