/**
 * Value schemas several sections of the config share: ids, durations, byte sizes, base
 * paths, host names and the trusted-proxy list. Their descriptions are given where
 * they are used, since the same shape means different things in different keys.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

/** Identifiers of infrastructures, services, versions, deployments, providers, keys. */
export const idSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
    'must be 1-100 characters of letters, digits, "_", "." or "-", starting with a letter or digit',
  );

/** One mebibyte, for byte limits. */
export const MiB = 1024 * 1024;

export const durationMs = (defaultMs: number) => z.number().int().min(1).max(86_400_000).default(defaultMs);

/** A base path: "/" or "/seg/seg" with RFC 3986 pchars only, no dot segments, no percent-escapes. */
export const basePathSchema = z
  .string()
  .transform((p) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p))
  .pipe(
    z
      .string()
      .regex(
        /^\/$|^(\/[A-Za-z0-9_~!$&'()*+,;=:@-][A-Za-z0-9._~!$&'()*+,;=:@-]*)+$/,
        'must start with "/", use only unescaped path characters, and have no empty, "." or ".." segments',
      )
      .refine(
        (p) => !p.split('/').some((s) => s === '.' || s === '..'),
        'must not contain "." or ".." segments',
      ),
  );

/** A host name to route on: lowercase DNS name, optionally "*." for one-label wildcards, no port. */
export const hostSchema = z
  .string()
  .transform((h) => h.toLowerCase())
  .pipe(
    z
      .string()
      .max(253)
      .regex(
        /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
        'must be a DNS host name (optionally starting with "*."), without port',
      ),
  );

function isCidrOrIp(value: string): boolean {
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may set X-Forwarded-* / Forwarded: none (false), any (true), or a list
 * of addresses and CIDR ranges (the usual choice behind a known load balancer).
 */
export const trustProxySchema = z
  .union([z.boolean(), z.array(z.string().refine(isCidrOrIp, 'must be an IP address or CIDR range')).min(1)])
  .default(false);

export type TrustProxySetting = z.infer<typeof trustProxySchema>;
