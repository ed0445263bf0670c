/**
 * Secret references in the config schema: a secret (HMAC secret, PEM key, Redis
 * password, signing key) given inline, as `{env: NAME}` or as `{file: PATH}`, resolved
 * at parse time without ever putting the value in an error message.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
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
    const read = readSecretFile(path);
    if (typeof read !== 'string') {
      issue.addIssue({ code: 'custom', message: `secret file ${path} ${read.problem}` });
      return z.NEVER;
    }
    const content = read.replace(/\r?\n$/, '');
    if (content === '') {
      issue.addIssue({ code: 'custom', message: `secret file ${path} is empty` });
      return z.NEVER;
    }
    return content;
  });
}

/** The largest secret file read: a PEM certificate chain fits many times over. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

/**
 * A secret file's text, read synchronously on the event loop (during a reload too), so
 * bounded: only a regular file (a FIFO or `/dev/zero` would block or never end; opening
 * with O_NONBLOCK keeps a FIFO from blocking the open itself) of at most
 * MAX_SECRET_FILE_BYTES, checked and read through one descriptor.
 */
function readSecretFile(path: string): string | { problem: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    if (!fstatSync(fd).isFile()) return { problem: 'is not a regular file' };
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SECRET_FILE_BYTES) return { problem: 'is larger than 1 MiB' };
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
