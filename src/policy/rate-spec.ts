/**
 * Rate limits compiled from the config: each limit's key source, its GCRA parameters
 * (emission interval and burst) and its overrides, fixed at compile time. Whether the
 * deployment's limits run before authentication (none needs the identity) or after it.
 */
import { parseRate, type RateLimitConfig } from '../config/schema-policy.js';

/** GCRA parameters: one request every `intervalMs`, up to `burst` at once. */
export interface GcraRate {
  readonly intervalMs: number;
  readonly burst: number;
  /** For the RateLimit-Policy header: `count` requests per `periodSec`. */
  readonly count: number;
  readonly periodSec: number;
}

export type LimitKeySource =
  | { readonly kind: 'subject' | 'apiKey' | 'clientIp' | 'deployment' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'claim'; readonly name: string };

export interface RateLimitSpec {
  readonly name: string;
  readonly by: LimitKeySource;
  readonly rate: GcraRate;
  readonly byKey: ReadonlyMap<string, GcraRate>;
  readonly byGroup: readonly (readonly [string, GcraRate])[];
  readonly onStoreError: 'allow' | 'deny';
}

export interface DeploymentLimits {
  readonly specs: readonly RateLimitSpec[];
  /** True when no limit needs the caller's identity: they run before authentication. */
  readonly beforeAuth: boolean;
}

export function compileRate(text: string, burst: number | undefined): GcraRate {
  const parsed = parseRate(text);
  // The schema refused bad rates with their key path; this only guards direct callers.
  if (typeof parsed === 'string') throw new Error(`rate "${text}" ${parsed}`);
  return {
    intervalMs: parsed.periodMs / parsed.count,
    burst: burst ?? parsed.count,
    count: parsed.count,
    periodSec: parsed.periodMs / 1000,
  };
}

function keySource(by: string): LimitKeySource {
  if (by.startsWith('header:')) return { kind: 'header', name: by.slice(7).toLowerCase() };
  if (by.startsWith('claim:')) return { kind: 'claim', name: by.slice(6) };
  return { kind: by as 'subject' | 'apiKey' | 'clientIp' | 'deployment' };
}

export function compileRateLimit(config: RateLimitConfig): RateLimitSpec {
  const byKey = new Map<string, GcraRate>();
  const byGroup: [string, GcraRate][] = [];
  for (const o of config.overrides) {
    const rate = compileRate(o.rate, o.burst);
    if (o.key !== undefined) {
      if (!byKey.has(o.key)) byKey.set(o.key, rate);
    } else if (o.group !== undefined) byGroup.push([o.group, rate]);
  }
  return {
    name: config.name ?? config.by.replace(':', '-'),
    by: keySource(config.by),
    rate: compileRate(config.rate, config.burst),
    byKey,
    byGroup,
    onStoreError: config.onStoreError,
  };
}

const NEEDS_IDENTITY = new Set(['subject', 'apiKey', 'claim']);

/** The deployment's list wins over the version's; no list (or an empty one): undefined, nothing to do. */
export function compileDeploymentLimits(
  deploymentList: readonly RateLimitConfig[] | undefined,
  authList: readonly RateLimitConfig[] | undefined,
): DeploymentLimits | undefined {
  const list = deploymentList ?? authList;
  if (!list || list.length === 0) return undefined;
  const specs = list.map(compileRateLimit);
  return { specs, beforeAuth: !specs.some((s) => NEEDS_IDENTITY.has(s.by.kind)) };
}
