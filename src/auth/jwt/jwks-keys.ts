/**
 * A fetched JWKS document → verification keys. Keys that cannot serve this provider
 * (`use` not `sig`, `alg` not allowed, unsupported type, private, weak RSA) are skipped,
 * not fatal; a document with no usable key at all is a failed fetch.
 */
import type { JwsAlgorithm } from './algorithms.js';
import { importPublicJwk, type VerificationKey } from './import-keys.js';

/** More keys than this in one JWKS are ignored (a JWKS normally holds a handful). */
export const MAX_JWKS_KEYS = 100;

export type JwksImport =
  | {
      readonly ok: true;
      readonly keys: readonly VerificationKey[];
      readonly usable: number;
      readonly skipped: number;
    }
  | { readonly ok: false; readonly detail: string };

export async function importJwks(document: unknown, allowed: ReadonlySet<JwsAlgorithm>): Promise<JwksImport> {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return { ok: false, detail: 'JWKS is not a JSON object' };
  const list = (document as { keys?: unknown }).keys;
  if (!Array.isArray(list)) return { ok: false, detail: 'JWKS has no "keys" array' };
  const keys: VerificationKey[] = [];
  let usable = 0;
  let skipped = 0;
  for (const jwk of list.slice(0, MAX_JWKS_KEYS) as unknown[]) {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
      skipped++;
      continue;
    }
    const record = jwk as Record<string, unknown>;
    const kid = typeof record.kid === 'string' && record.kid !== '' ? record.kid : undefined;
    try {
      keys.push(...(await importPublicJwk(record, kid, allowed)));
      usable++;
    } catch {
      skipped++;
    }
  }
  skipped += Math.max(0, list.length - MAX_JWKS_KEYS);
  if (usable === 0) return { ok: false, detail: `JWKS has no usable signing key (${skipped} skipped)` };
  return { ok: true, keys, usable, skipped };
}
