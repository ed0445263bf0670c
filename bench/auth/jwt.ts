/**
 * Compact JWS signing for the benchmark's tokens, with node:crypto only: RS256
 * (RSASSA-PKCS1-v1_5 over SHA-256) and HS256. The asynchronous RS256 form runs in
 * libuv's thread pool, so signing thousands of tokens uses every core.
 */
import { createHmac, sign, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

function signingInput(header: Claims, payload: Claims): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
}

export function signHs256(payload: Claims, secret: string): string {
  const input = signingInput({ alg: 'HS256', typ: 'JWT' }, payload);
  return `${input}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(input).digest('base64url')}`;
}

/** RS256 with `kid`; resolves in the thread pool. */
export function signRs256(payload: Claims, key: KeyObject, kid: string): Promise<string> {
  const input = signingInput({ alg: 'RS256', typ: 'JWT', kid }, payload);
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(input), key, (err, signature) => {
      if (err) reject(err);
      else resolve(`${input}.${b64url(signature)}`);
    });
  });
}

/** The header (0) or payload (1) of a compact JWS, not verified (to check a cached token still fits). */
export function jsonSegment(token: string, index: 0 | 1): Claims | undefined {
  const part = token.split('.')[index];
  if (part === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}
