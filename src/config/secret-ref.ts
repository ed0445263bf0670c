/**
 * Secret references in the config schema: a secret (HMAC secret, PEM key, Redis
 * password, signing key) given inline, as `{env: NAME}` or as `{file: PATH}`, resolved
 * at parse time without ever putting the value in an error message.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Where `{env: NAME}` and `{file: PATH}` references are resolved from. Relative file
 * paths are relative to the config file's folder, so a config and its secrets move together.
 */
export interface SecretContext {
  readonly baseDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const secretSource = z.union(
  [
    z.string().min(1),
    z.strictObject({
      env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
        .describe('Name of the environment variable holding the secret; it must be set and non-empty.'),
    }),
    z.strictObject({
      file: z
        .string()
        .min(1)
        .describe(
          "Path of the file holding the secret, relative to the config file's folder; one trailing newline is dropped. It must be readable and non-empty.",
        ),
    }),
  ],
  { error: 'must be the secret itself, {env: NAME} or {file: PATH}' },
);

export type SecretSource = z.input<typeof secretSource>;

/**
 * A secret value given inline, by `{env: NAME}` or by `{file: PATH}`. Resolution errors
 * are reported at the key path of the reference and never include the value.
 * File contents lose one trailing newline (as written by `echo` or Kubernetes secrets).
 */
export function secretRef(ctx: SecretContext) {
  return secretSource.transform((source, issue): string => {
    if (typeof source === 'string') return source;
    if ('env' in source) {
      const value = ctx.env[source.env];
      if (value === undefined || value === '') {
        issue.addIssue({ code: 'custom', message: `environment variable ${source.env} is not set or empty` });
        return z.NEVER;
      }
      return value;
    }
    const path = isAbsolute(source.file) ? source.file : resolve(ctx.baseDir, source.file);
    try {
      const content = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      if (content === '') {
        issue.addIssue({ code: 'custom', message: `secret file ${path} is empty` });
        return z.NEVER;
      }
      return content;
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      issue.addIssue({ code: 'custom', message: `secret file ${path} cannot be read (${reason})` });
      return z.NEVER;
    }
  });
}
