/**
 * /api/v1/audit: the audit log, newest first, with filters. Global admins only, and a
 * scope-restricted credential needs gatehouse:admin (it shows everyone's activity).
 */
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { endpoint, type Endpoint } from '../endpoint.js';
import { decodeCursor, encodeCursor, pageQueryShape } from '../pagination.js';
import { pageSchema, responses } from '../schemas.js';
import { iso } from '../views.js';

const time = z
  .string()
  .min(1)
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });

const auditQuery = z.strictObject({
  ...pageQueryShape,
  actor: z.string().min(1).max(200).optional().describe('Actor id (admin key id, user id, "cli").'),
  action: z.string().min(1).max(200).optional().describe('Exact action, e.g. deployment.create.'),
  actionPrefix: z.string().min(1).max(200).optional().describe('Action prefix, e.g. deployment.'),
  targetType: z.string().min(1).max(100).optional(),
  targetId: z.string().min(1).max(300).optional(),
  outcome: z.enum(['success', 'denied', 'error']).optional(),
  since: time.optional().describe('Records at or after this time (ISO 8601 or epoch ms).'),
  until: time.optional().describe('Records before this time (ISO 8601 or epoch ms).'),
});

const auditRecordSchema = z.object({
  id: z.string(),
  time: z.string().describe('ISO 8601'),
  actor: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).optional(),
  outcome: z.enum(['success', 'denied', 'error']),
  requestId: z.string().optional(),
  sourceAddress: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export function auditEndpoints({ ctx }: ApiDeps): Endpoint[] {
  return [
    endpoint({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Read the audit log, newest first (global admin)',
      tags: ['audit'],
      action: 'audit.read',
      scope: 'gatehouse:admin',
      write: false,
      requires: 'audit.read',
      query: auditQuery,
      responses: responses({ 200: { description: 'A page', body: pageSchema(auditRecordSchema) } }, 403),
      handle: async ({ query }) => {
        const { limit, cursor, actor, ...filter } = query;
        const defined = <K extends keyof typeof filter>(key: K) =>
          filter[key] === undefined ? {} : { [key]: filter[key] };
        const page = await ctx.store.queryAudit(
          {
            ...(actor === undefined ? {} : { actorId: actor }),
            ...defined('action'),
            ...defined('actionPrefix'),
            ...defined('targetType'),
            ...defined('targetId'),
            ...defined('outcome'),
            ...defined('since'),
            ...defined('until'),
          },
          { limit, ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }) },
        );
        return {
          status: 200,
          body: {
            items: page.items.map((r) => ({ ...r, time: iso(r.time) })),
            next: page.next === undefined ? null : encodeCursor(page.next),
          },
        };
      },
    }),
  ];
}
