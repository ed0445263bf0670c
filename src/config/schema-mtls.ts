/**
 * The `mtls` method's settings in a version's or deployment's `auth`: how a verified
 * client certificate becomes an identity (subject from the CN, a SAN or a template;
 * groups and scopes from a static map or the OU). Every key carries its `.describe()`.
 */
import { z } from 'zod';
import { ONLY_IF_VALID } from './refine.js';

export const MTLS_SUBJECT_SOURCES = ['cn', 'uriSan', 'dnsSan', 'emailSan', 'template'] as const;

const grantSchema = z.strictObject({
  match: z
    .string()
    .min(1)
    .describe(
      'The mapped subject this grant applies to: exact, or with `*` matching any characters (e.g. `spiffe://cluster/ns/payments/*`).',
    ),
  groups: z.array(z.string().min(1)).default([]).describe('Groups a matching subject holds.'),
  scopes: z.array(z.string().min(1)).default([]).describe('Scopes a matching subject holds.'),
});

export const mtlsSettingsSchema = z
  .strictObject({
    subjectFrom: z
      .enum(MTLS_SUBJECT_SOURCES)
      .default('cn')
      .describe(
        "Where the subject comes from: the certificate's `cn`, its first `uriSan` (SPIFFE IDs), `dnsSan` or `emailSan` (the first one starting with `sanPrefix`), or `template`. A certificate without it maps to no identity: 403 `forbidden`.",
      ),
    sanPrefix: z
      .string()
      .min(1)
      .optional()
      .describe('With a SAN source: only SANs starting with this count, e.g. `spiffe://cluster/`.'),
    template: z
      .string()
      .min(1)
      .optional()
      .describe(
        'With `subjectFrom: template`: the subject built from `{cn}`, `{o}`, `{ou}`, `{uriSan}`, `{dnsSan}`, `{emailSan}`, e.g. `{ou}/{cn}`; a placeholder the certificate lacks maps to no identity.',
      ),
    groupsFromOu: z
      .boolean()
      .default(false)
      .describe("Add the certificate's organisational units (OU) to the caller's groups."),
    grants: z
      .array(grantSchema)
      .default([])
      .describe('Groups and scopes by subject; every matching grant applies.'),
    requireGrant: z
      .boolean()
      .default(false)
      .describe(
        'A subject no grant matches maps to no identity (403 `forbidden`), even with a valid certificate.',
      ),
  })
  .superRefine((s, ctx) => {
    if (s.subjectFrom === 'template' && s.template === undefined)
      ctx.addIssue({ code: 'custom', path: ['template'], message: 'subjectFrom: template needs template' });
    if (s.subjectFrom !== 'template' && s.template !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: 'template is used only with subjectFrom: template',
      });
    if (s.sanPrefix !== undefined && !s.subjectFrom.endsWith('San'))
      ctx.addIssue({
        code: 'custom',
        path: ['sanPrefix'],
        message: 'sanPrefix is used only with a SAN subjectFrom',
      });
  }, ONLY_IF_VALID);

export type MtlsSettingsConfig = z.infer<typeof mtlsSettingsSchema>;
export const DEFAULT_MTLS_SETTINGS: MtlsSettingsConfig = mtlsSettingsSchema.parse({});
