/**
 * Per-deployment data-plane settings beyond routing and auth: which inbound headers are
 * stripped (`headers`) and which methods are served (`allowedMethods`). Validated here,
 * compiled into lookups by src/plan/compile.ts.
 */
import { METHODS } from 'node:http';
import { z } from 'zod';

/** Headers a deployment can never let through from the client, compared folded (`_` as `-`). */
const NEVER_KEPT: ReadonlySet<string> = new Set([
  'x-auth-subject',
  'x-auth-groups',
  'x-auth-scopes',
  'x-auth-method',
  'x-auth-key-id',
  'authorization',
  'host',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-request-id',
  'expect',
]);

const fold = (name: string): string => name.toLowerCase().replaceAll('_', '-');

/** An RFC 9110 field name, or a `prefix*` family of them. */
const headerPatternSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'+.^_`|~-]+\*?$/, 'must be a header name, or a name prefix ending in "*"');

export const inboundHeadersSchema = z.strictObject({
  keepInbound: z
    .array(
      headerPatternSchema.refine((name) => !NEVER_KEPT.has(fold(name)), {
        message:
          'is a header Gatehouse always sets or governs itself (identity headers, Authorization, Host, forwarding headers); it cannot be kept',
      }),
    )
    .default([])
    .describe(
      "Default-removed client headers (other proxies' identity, client-certificate, client-address and override headers) to let through: `Name` or `Prefix-*`. Only when a proxy in front sets them on every request. Identity headers, `Authorization`, `Host` and forwarding headers cannot be kept.",
    ),
  stripInbound: z
    .array(headerPatternSchema)
    .default([])
    .describe(
      'More client headers (`Name` or `Prefix-*` families) to remove before forwarding; compared case-insensitively with `_` read as `-`.',
    ),
});

/** Methods a deployment may serve: everything Node's parser knows except CONNECT and TRACE. */
export const SERVABLE_METHODS: readonly string[] = METHODS.filter((m) => m !== 'CONNECT' && m !== 'TRACE');

export const allowedMethodsSchema = z
  .array(z.string())
  .min(1, 'list at least one method (leave the key out to allow every method but TRACE and CONNECT)')
  .superRefine((methods, ctx) => {
    methods.forEach((method, i) => {
      if (method === 'TRACE' || method === 'CONNECT')
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${method} is never forwarded (TRACE reflects credentials; Gatehouse does not tunnel CONNECT)`,
        });
      else if (!SERVABLE_METHODS.includes(method))
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: 'must be an upper-case HTTP method Node.js accepts (GET, POST, PUT, PATCH, DELETE, ...)',
        });
    });
    if (new Set(methods).size !== methods.length)
      ctx.addIssue({ code: 'custom', message: 'a method is listed twice' });
  });
