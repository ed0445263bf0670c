/**
 * Shapes the admin API answers with, for the OpenAPI document: common metadata, pages,
 * errors, and the responses each kind of endpoint can give.
 */
import { z } from 'zod';
import type { RouteSpec } from '../module.js';

export const errorSchema = z.object({
  error: z.string().describe('Error code from the catalogue (docs/errors.md).'),
  message: z.string(),
  requestId: z.string(),
  details: z
    .unknown()
    .optional()
    .describe('validation_failed: [{path, message}] naming each field; 409: the blocking objects.'),
});

export const sourceShape = {
  source: z
    .enum(['config', 'api'])
    .describe('Declared in the configuration file (read-only) or created through the API.'),
  createdAt: z.string().optional().describe('ISO 8601; objects created through the API.'),
  updatedAt: z.string().optional(),
};

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z
      .string()
      .nullable()
      .describe('Cursor of the next page (pass as ?cursor=), null on the last page.'),
  });
}

type Responses = RouteSpec['responses'];

const ERRORS: Responses = {
  400: {
    description:
      'Malformed JSON, query parameter, path id or If-Match; or a group or owner that does not exist (bad_request)',
    body: errorSchema,
  },
  401: { description: 'No or invalid credentials (missing_credentials, invalid_token)', body: errorSchema },
  403: {
    description:
      'The caller lacks the privilege (forbidden), or the credential lacks the control scope (insufficient_scope)',
    body: errorSchema,
  },
  404: { description: 'No such object, or one the caller may not see (not_found)', body: errorSchema },
  409: {
    description:
      'Duplicate id, object declared in the configuration file, or delete blocked by references (conflict)',
    body: errorSchema,
  },
  412: {
    description: 'If-Match does not match the current ETag: read the object again (precondition_failed)',
    body: errorSchema,
  },
  413: { description: 'Body over server.admin.maxBodyBytes (body_too_large)', body: errorSchema },
  415: { description: 'Body not JSON (unsupported_media_type)', body: errorSchema },
  422: {
    description: 'Body failed validation; details name the fields (validation_failed)',
    body: errorSchema,
  },
  503: { description: 'The state store cannot answer (unavailable)', body: errorSchema },
};

/** The success answers plus the listed error statuses. */
export function responses(ok: Responses, ...errors: (keyof typeof ERRORS)[]): Responses {
  const out: Record<number, Responses[number]> = { ...ok };
  for (const status of [400, 401, 403, ...errors, 503]) {
    const err = ERRORS[status];
    if (err) out[status] = err;
  }
  return out;
}

export const WRITE_ERRORS = [403, 404, 409, 413, 415, 422] as const;
/** Updates of one object (PUT, PATCH) also answer 412 on a stale If-Match. */
export const UPDATE_ERRORS = [...WRITE_ERRORS, 412] as const;
