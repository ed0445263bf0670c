import { z } from 'zod';

/**
 * Authorization settings of a service version, or a deployment's override of them.
 * Any one listed method may authenticate a request; an empty list is refused, so a
 * version always says explicitly how it is reached.
 */
export const authSettingsSchema = z.strictObject({
  methods: z.array(z.enum(['public'])).min(1, 'list at least one authentication method'),
  /** Forward the caller's Authorization header to the upstream (default: stripped). */
  forwardAuthorization: z.boolean().default(false),
});

export type AuthSettingsConfig = z.infer<typeof authSettingsSchema>;
