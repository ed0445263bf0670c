/**
 * The token-info file (the Descartes `token_info.json` idea): JWTs shared between the
 * processes of one user, so ten processes starting at once refresh once. JSON, mode
 * 0600, replaced atomically, read-modify-written only under its lock. Entries are keyed
 * by a fingerprint of (URL, credential); the file never holds a refresh token or password.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Credential } from './credentials.js';
import { readOptionalFile, withFileLock, writePrivateFile } from './files.js';

export interface CachedToken {
  readonly jwt: string;
  /** Epoch ms when the JWT was obtained and when it expires (by the server's `duration`). */
  readonly obtainedAt: number;
  readonly expiresAt: number;
}

const entrySchema = z.object({
  url: z.string(),
  jwt: z.string(),
  obtainedAt: z.number(),
  expiresAt: z.number(),
});
const fileSchema = z.object({ version: z.literal(1), tokens: z.record(z.string(), entrySchema) });
type TokenInfo = z.infer<typeof fileSchema>;

export function tokenInfoPath(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = explicit ?? env.GATEHOUSE_TOKEN_INFO_PATH;
  return chosen ? resolve(chosen) : join(homedir(), '.gatehouse', 'token_info.json');
}

/** Which cache entry belongs to a credential: never the secret itself, only a digest. */
export function fingerprint(url: string, credential: Credential): string {
  const parts =
    credential.kind === 'password'
      ? ['password', credential.username, credential.clientId ?? '']
      : credential.kind === 'refresh'
        ? // A rotated token stays in its chain: key by client id when known.
          ['refresh', credential.clientId ?? digest(credential.refreshToken)]
        : ['static', digest(credential.token)];
  return digest([url.replace(/\/+$/, ''), ...parts].join('\n'));
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export class TokenInfoFile {
  constructor(readonly path: string) {}

  async read(key: string): Promise<CachedToken | undefined> {
    const entry = (await this.load()).tokens[key];
    return entry ? { jwt: entry.jwt, obtainedAt: entry.obtainedAt, expiresAt: entry.expiresAt } : undefined;
  }

  /** Runs `work` holding the file's cross-process lock. */
  locked<T>(work: () => Promise<T>): Promise<T> {
    return withFileLock(this.path, work);
  }

  /** Stores (or with `undefined` removes) an entry; drops expired ones. Call only under `locked`. */
  async write(key: string, url: string, token: CachedToken | undefined): Promise<void> {
    const info = await this.load();
    const now = Date.now();
    const tokens = Object.fromEntries(
      Object.entries(info.tokens).filter(([k, v]) => k !== key && v.expiresAt > now),
    );
    if (token) tokens[key] = { url, ...token };
    await writePrivateFile(this.path, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`);
  }

  /** A missing or unreadable file is an empty cache (it is only a cache). */
  private async load(): Promise<TokenInfo> {
    const text = await readOptionalFile(this.path).catch(() => undefined);
    if (text === undefined) return { version: 1, tokens: {} };
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : { version: 1, tokens: {} };
    } catch {
      return { version: 1, tokens: {} };
    }
  }
}
