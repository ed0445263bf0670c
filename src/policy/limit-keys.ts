/**
 * Which bucket a request falls in for each limit, and at which rate (overrides by key
 * or group). Long or caller-chosen values (headers, claims) are hashed so a key stays
 * short and cannot reach into another key's space.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Identity } from '../auth/types.js';
import type { GcraHit } from './gcra.js';
import type { GcraRate, RateLimitSpec } from './rate-spec.js';

const NONE = '(none)';

function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 32);
}

/** The limit's key for this request, or undefined when the limit does not apply (apiKey without an API key). */
export function limitKey(
  spec: RateLimitSpec,
  req: IncomingMessage,
  identity: Identity,
  address: () => string,
): string | undefined {
  const by = spec.by;
  switch (by.kind) {
    case 'deployment':
      return '';
    case 'clientIp':
      return address();
    case 'subject':
      return identity === ANONYMOUS || identity.subject === '' ? `ip:${address()}` : identity.subject;
    case 'apiKey':
      return identity.method === 'apiKeys' && identity.credentialId !== ''
        ? identity.credentialId
        : undefined;
    case 'header': {
      const value = req.headers[by.name];
      return typeof value === 'string' && value !== '' ? value : NONE;
    }
    case 'claim': {
      const value = identity.claims?.[by.name];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : NONE;
    }
  }
}

export function rateFor(spec: RateLimitSpec, key: string, identity: Identity): GcraRate {
  const byKey = spec.byKey.get(key);
  if (byKey) return byKey;
  for (const [group, rate] of spec.byGroup) if (identity.groups.has(group)) return rate;
  return spec.rate;
}

export interface LimitHit extends GcraHit {
  readonly spec: RateLimitSpec;
}

/** The hits of one request on a deployment's limits. */
export function limitHits(
  deploymentId: string,
  specs: readonly RateLimitSpec[],
  req: IncomingMessage,
  identity: Identity,
  address: () => string,
): LimitHit[] {
  const hits: LimitHit[] = [];
  for (const spec of specs) {
    const key = limitKey(spec, req, identity, address);
    if (key === undefined) continue;
    const rate = rateFor(spec, key, identity);
    const safe = key.length > 64 || spec.by.kind === 'header' || spec.by.kind === 'claim' ? hashed(key) : key;
    hits.push({ key: `${deploymentId}:${spec.name}:${safe}`, rate, spec });
  }
  return hits;
}
