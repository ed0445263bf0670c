/**
 * Strict, cheap decoding of a compact JWS WITHOUT verifying it: the gate uses it to
 * recognise JWT-shaped bearer tokens and to pick a provider by `iss`; the verifier uses
 * it as its first, structural check. Never throws.
 *
 * Accepted shape: exactly three segments of canonical base64url (alphabet A-Z a-z 0-9 - _,
 * no padding, no whitespace, unused trailing bits zero), the first two decoding to UTF-8
 * JSON objects. The signature segment may be empty (an unsecured `alg: none` token is
 * JWT-shaped; the verifier refuses it). The size limit is checked before anything else.
 */

/** Longest token accepted, in characters (a compact JWS is ASCII, so also bytes). */
export const MAX_TOKEN_BYTES = 8192;

export type JsonObject = Record<string, unknown>;

export interface PeekedJwt {
  readonly header: Readonly<JsonObject>;
  readonly payload: Readonly<JsonObject>;
}

export interface DecodedJwt extends PeekedJwt {
  /** Length of the signature segment in characters (0 when stripped). */
  readonly signatureLength: number;
}

export type JwtDecodeResult =
  | { readonly ok: true; readonly jwt: DecodedJwt }
  | { readonly ok: false; readonly reason: 'too_large' | 'malformed'; readonly description: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Where segments are decoded: one buffer for the process instead of a new Buffer per
 * segment (that allocation was half the cost of decoding a payload). Decoding is
 * synchronous and the bytes are turned into a string before anyone else runs, so one
 * buffer is enough. A token is at most MAX_TOKEN_BYTES characters, hence at most 3/4 of
 * that in bytes.
 */
const scratch = Buffer.allocUnsafe(Math.ceil((MAX_TOKEN_BYTES * 3) / 4));

/** The 6-bit value of a base64url character (the caller has checked the alphabet). */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // - _
}

/** Canonical unpadded base64url: one string per byte sequence (no malleable trailing bits). */
export function isCanonicalBase64url(segment: string): boolean {
  if (!BASE64URL.test(segment)) return false;
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = sextet(segment.charCodeAt(segment.length - 1));
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeJsonSegment(segment: string): JsonObject | undefined {
  if (segment.length === 0 || !isCanonicalBase64url(segment)) return undefined;
  try {
    const length = scratch.write(segment, 0, 'base64url');
    const value: unknown = JSON.parse(utf8.decode(scratch.subarray(0, length)));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decoded header segments: the tokens of one issuer and key share one header text, so it
 * is decoded once and every token carrying it gets the same frozen object (verifier.ts
 * remembers its header check per object). Bounded: cleared when full, so a client
 * sending endless distinct headers costs a decode each, as before.
 */
const HEADER_CACHE_MAX = 256;
const headers = new Map<string, Readonly<JsonObject> | null>();

function decodeHeaderSegment(segment: string): Readonly<JsonObject> | undefined {
  const known = headers.get(segment);
  if (known !== undefined) return known ?? undefined;
  if (segment.length > 1024) return decodeJsonSegment(segment); // not worth remembering
  const decoded = decodeJsonSegment(segment);
  if (headers.size >= HEADER_CACHE_MAX) headers.clear();
  headers.set(segment, decoded ? Object.freeze(decoded) : null);
  return decoded;
}

const malformed = (description: string): JwtDecodeResult => ({ ok: false, reason: 'malformed', description });

/** Decodes header and payload, reporting why a token is not a well-formed compact JWS. */
export function decodeJwt(token: string): JwtDecodeResult {
  if (token.length > MAX_TOKEN_BYTES)
    return { ok: false, reason: 'too_large', description: `token longer than ${MAX_TOKEN_BYTES} bytes` };
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0)
    return malformed('token is not a compact JWS (three dot-separated parts)');
  const signature = token.slice(second + 1);
  if (signature.length > 0 && !isCanonicalBase64url(signature))
    return malformed('token signature is not base64url');
  const header = decodeHeaderSegment(token.slice(0, first));
  if (!header) return malformed('token header is not a base64url-encoded JSON object');
  const payload = decodeJsonSegment(token.slice(first + 1, second));
  if (!payload) return malformed('token payload is not a base64url-encoded JSON object');
  return { ok: true, jwt: { header, payload, signatureLength: signature.length } };
}

/** Header and payload of a JWT-shaped token, or undefined. Nothing is verified. */
export function peekJwt(token: string): PeekedJwt | undefined {
  const decoded = decodeJwt(token);
  return decoded.ok ? { header: decoded.jwt.header, payload: decoded.jwt.payload } : undefined;
}
