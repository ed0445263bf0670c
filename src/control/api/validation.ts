/**
 * Request validation for the admin API: zod issues become `details` entries that name
 * the field (`nodes[0].url`), unknown fields are refused, path ids are checked.
 */
import type { z } from 'zod';
import { idSchema } from '../../config/schema-common.js';
import { formatKeyPath } from '../../config/issues.js';
import { GatehouseError } from '../../errors.js';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** One entry per problem; an unknown key is reported at its own path. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: formatKeyPath([...issue.path, key]), message: 'unknown field' });
      continue;
    }
    out.push({ path: pathOf(issue.path), message: issue.message });
  }
  return out;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(body)' : formatKeyPath(path);
}

/** 422 validation_failed naming each field. */
export function validationFailed(issues: readonly FieldIssue[], message?: string): GatehouseError {
  return new GatehouseError(
    'validation_failed',
    message ??
      `The request body failed validation: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { details: issues },
  );
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw validationFailed(issuesOf(result.error));
  return result.data;
}

/** Query parameters: 400 bad_request naming the parameter. */
export function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const result = schema.safeParse(query);
  if (!result.success) {
    const details = issuesOf(result.error).map((i) => ({
      path: i.path === '(body)' ? '(query)' : i.path,
      message: i.message,
    }));
    throw new GatehouseError(
      'bad_request',
      `Invalid query parameter: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      { details },
    );
  }
  return result.data;
}

/**
 * Ids in paths: letters, digits, "_", "." and "-" (no "/", "..", spaces or escapes).
 * Anything else is 400 bad_request: no object can have such an id.
 */
export function parsePathId(name: string, value: unknown): string {
  const result = idSchema.safeParse(value);
  if (!result.success)
    throw new GatehouseError('bad_request', `The path parameter ${name} is not a valid id.`, {
      details: [{ path: name, message: result.error.issues[0]?.message ?? 'invalid id' }],
    });
  return result.data;
}
