/**
 * Credentials are read from the request head once, before any method runs. Ambiguity
 * is refused rather than resolved: two Authorization headers, two API-key headers, or
 * an Authorization value that is not a well-formed Bearer/Basic credential make the
 * request `malformed` (401 invalid_request), because a gateway and an upstream that
 * resolve ambiguity differently can be played against each other.
 */

export interface BasicCredential {
  readonly user: string;
  readonly password: string;
}

export interface RequestCredentials {
  /** `Authorization: Bearer <b64token>` (scheme case-insensitive, RFC 7235). */
  readonly bearer: string | undefined;
  readonly basic: BasicCredential | undefined;
  /** Value of the deployment's API-key header. */
  readonly apiKeyHeader: string | undefined;
  /** Why the credentials are unusable; set → 401 invalid_request. */
  readonly malformed: string | undefined;
  /** Some credential was sent (well-formed or not). */
  readonly present: boolean;
}

export const NO_CREDENTIALS: RequestCredentials = Object.freeze({
  bearer: undefined,
  basic: undefined,
  apiKeyHeader: undefined,
  malformed: undefined,
  present: false,
});

/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A credential larger than this is refused outright (JWTs are limited further by the JWT method). */
export const MAX_CREDENTIAL_BYTES = 8 * 1024;

function malformed(reason: string): RequestCredentials {
  return { ...NO_CREDENTIALS, malformed: reason, present: true };
}

/** Whether value[0, length) is `scheme` (lower-case letters) in any case, without a lower-cased copy. */
function isScheme(value: string, length: number, scheme: string): boolean {
  if (length !== scheme.length) return false;
  // OR 0x20 lower-cases an ASCII letter and maps nothing else onto a lower-case letter.
  for (let i = 0; i < length; i++) if ((value.charCodeAt(i) | 0x20) !== scheme.charCodeAt(i)) return false;
  return true;
}

function parseAuthorization(value: string, apiKeyHeader: string | undefined): RequestCredentials {
  if (value.length > MAX_CREDENTIAL_BYTES) return malformed('The Authorization header is too large.');
  const space = value.indexOf(' ');
  if (space <= 0)
    return malformed('The Authorization header must be "Bearer <token>" or "Basic <credentials>".');
  let start = space + 1;
  while (value.charCodeAt(start) === 0x20) start++;
  const rest = value.slice(start);
  if (isScheme(value, space, 'bearer')) {
    if (!B64TOKEN.test(rest)) return malformed('The bearer token contains characters a token cannot have.');
    return { bearer: rest, basic: undefined, apiKeyHeader, malformed: undefined, present: true };
  }
  if (isScheme(value, space, 'basic')) {
    if (!BASE64.test(rest) || rest.length % 4 !== 0)
      return malformed('The Basic credentials are not valid base64.');
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) return malformed('The Basic credentials have no ":" separator.');
    const basic = { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    return { bearer: undefined, basic, apiKeyHeader, malformed: undefined, present: true };
  }
  return malformed('Unsupported authorization scheme; use Bearer or Basic.');
}

/**
 * Reads Authorization and (when configured) the API-key header from Node's raw header
 * list. `apiKeyHeaderName` must be lower-case.
 */
export function extractCredentials(
  raw: readonly string[],
  apiKeyHeaderName: string | undefined,
): RequestCredentials {
  let authorization: string | undefined;
  let apiKey: string | undefined;
  let authorizationCount = 0;
  let apiKeyCount = 0;
  const apiKeyLength = apiKeyHeaderName?.length ?? -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    // Compare lengths first: most headers are neither, and this avoids lower-casing them.
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      authorization = raw[i + 1];
      authorizationCount++;
    } else if (name.length === apiKeyLength && name.toLowerCase() === apiKeyHeaderName) {
      apiKey = raw[i + 1];
      apiKeyCount++;
    }
  }
  if (authorizationCount > 1) return malformed('More than one Authorization header was sent.');
  if (apiKeyCount > 1) return malformed('More than one API key header was sent.');
  if (apiKey !== undefined) {
    if (apiKey === '' || apiKey.length > MAX_CREDENTIAL_BYTES || !B64TOKEN.test(apiKey))
      return malformed('The API key header is empty or malformed.');
  }
  if (authorization !== undefined) return parseAuthorization(authorization, apiKey);
  if (apiKey !== undefined) return { ...NO_CREDENTIALS, apiKeyHeader: apiKey, present: true };
  return NO_CREDENTIALS;
}

/** A bearer value shaped like a compact JWS (three dot-separated segments). */
export function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  if (first <= 0) return false;
  const second = token.indexOf('.', first + 1);
  return second > first + 1 && token.indexOf('.', second + 1) === -1;
}
