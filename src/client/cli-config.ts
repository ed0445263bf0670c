/**
 * The CLI's saved login (`~/.gatehouse/config.yaml`, or `--configfile`, or
 * `$GATEHOUSE_CONFIG`): URL, user name, client id and refresh token, plus TLS settings.
 * `gatehouse login` writes it, the SDK reads it (and writes a rotated refresh token
 * back). Always written atomically, mode 0600 in a 0700 folder, under the file's lock.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { dump, load } from 'js-yaml';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { readOptionalFile, withFileLock, writePrivateFile } from './files.js';

export const savedLoginSchema = z.looseObject({
  url: z.url().optional(),
  username: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  /** When the refresh token's chain ends (from the server's answer), ISO 8601. */
  refreshExpiresAt: z.string().optional(),
  nosslverify: z.boolean().optional(),
  /** A PEM file of CA certificates to trust. */
  cacert: z.string().min(1).optional(),
  /** A folder with `ca.crt`, `client.crt`, `client.key` for a listener requiring client certificates. */
  certFolder: z.string().min(1).optional(),
});
export type SavedLogin = z.infer<typeof savedLoginSchema>;

/** Where the saved login lives: the explicit path, `$GATEHOUSE_CONFIG`, or `~/.gatehouse/config.yaml`. */
export function cliConfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.GATEHOUSE_CONFIG;
  return chosen ? resolve(chosen) : join(homedir(), '.gatehouse', 'config.yaml');
}

/** The saved login, or undefined when the file does not exist. Throws on a malformed file. */
export async function readSavedLogin(path: string): Promise<SavedLogin | undefined> {
  const text = await readOptionalFile(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = load(text) ?? {};
  } catch {
    throw new ConfigurationError(`${path} is not valid YAML`);
  }
  const parsed = savedLoginSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(
      `${path}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

const HEADER = '# Gatehouse CLI login (written by `gatehouse login`). Private: keep mode 0600.\n';

/** Writes the saved login atomically; call it holding the file's lock (`withFileLock(path, …)`). */
export async function writeSavedLogin(path: string, login: SavedLogin): Promise<void> {
  const clean = Object.fromEntries(Object.entries(login).filter(([, v]) => v !== undefined));
  await writePrivateFile(path, HEADER + dump(clean, { lineWidth: -1 }));
}

/**
 * Read-modify-write under the file's lock: `change` gets the current contents (or {})
 * and returns the new ones; returns what was written.
 */
export function updateSavedLogin(
  path: string,
  change: (current: SavedLogin) => SavedLogin | Promise<SavedLogin>,
): Promise<SavedLogin> {
  return withFileLock(path, async () => {
    const next = await change((await readSavedLogin(path)) ?? {});
    await writeSavedLogin(path, next);
    return next;
  });
}
