/**
 * The gate as a table: auth settings × the credentials a request carries → the
 * admission (who was let in, or the exact refusal: status, error code, challenge), the
 * auth-outcome metric recorded, and whether the answer came without waiting. No
 * sockets: the gate only reads the request's raw headers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGate, basic, KEPT_IDENTITY, KEYS, recordedOutcomes, request } from './gate-fixtures.js';

type Headers = readonly (readonly [string, string])[];

interface Row {
  readonly name: string;
  readonly settings: unknown;
  readonly headers: Headers;
  readonly url?: string;
  /** Allowed as this subject (anonymous: ''), or refused with this status and code. */
  readonly expect: { subject: string } | { status: number; code: string };
  /** WWW-Authenticate of a refusal, exactly; undefined = no such header. */
  readonly challenge?: string;
  /** The one auth-outcome sample recorded: `method outcome reason=1`. */
  readonly outcome: string;
  /** The gate answers without a promise. */
  readonly sync: boolean;
}

const API_KEYS = { methods: ['apiKeys'], apiKeys: { keys: KEYS } };
const HEADER_ONLY = { methods: ['apiKeys'], apiKeys: { keys: KEYS, bearer: false, basic: false } };
const NO_HEADER = { methods: ['apiKeys'], apiKeys: { keys: KEYS, header: false, basic: false } };
const CUSTOM_HEADER = { methods: ['apiKeys'], apiKeys: { keys: KEYS, header: 'X-Key', basic: false } };
const NEEDS_READ = { ...API_KEYS, require: { scopes: ['read'] } };
const NEEDS_OPS = { ...API_KEYS, require: { groups: { anyOf: ['ops'] } } };
const PUBLIC = { methods: ['public'] };
const PUBLIC_OR_KEY = { methods: ['public', 'apiKeys'], apiKeys: { keys: KEYS } };
const PUBLIC_NEEDS_READ = {
  methods: ['public', 'apiKeys'],
  apiKeys: { keys: KEYS },
  require: { scopes: ['read'] },
};
const JWT = { methods: ['jwt'], jwt: { providers: ['p'] } };
const JWT_THEN_KEYS = { methods: ['jwt', 'apiKeys'], jwt: { providers: ['p'] }, apiKeys: { keys: KEYS } };

const BEARER_BASIC = 'Bearer realm="gatehouse", Basic realm="gatehouse", charset="UTF-8"';
const bearerError = (error: string, description: string, extra = ''): string =>
  `Bearer realm="gatehouse", error="${error}", error_description="${description.replace(/["\\]/g, '\\$&')}"${extra}`;
const NOT_ACCEPTED = 'The credential presented is not one this deployment accepts.';
const UNKNOWN_KEY = 'The API key is not valid for this deployment.';

// One row per line reads as a table:
// prettier-ignore
const rows: Row[] = [
  // --- API keys: where the key may be, as the settings allow
  { name: 'no credential', settings: API_KEYS, headers: [], expect: { status: 401, code: 'missing_credentials' }, challenge: BEARER_BASIC, outcome: 'credentials rejected missing=1', sync: true },
  { name: 'key in the default header', settings: API_KEYS, headers: [['X-API-Key', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'header name in any case', settings: API_KEYS, headers: [['x-api-KEY', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'key as Bearer', settings: API_KEYS, headers: [['Authorization', 'Bearer key-beta']], expect: { subject: 'apikey:beta' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'scheme in any case', settings: API_KEYS, headers: [['authorization', 'bEaReR key-beta']], expect: { subject: 'apikey:beta' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'key as Basic user, empty password', settings: API_KEYS, headers: [['Authorization', basic('key-alpha', '')]], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'Basic with a password is not an API key', settings: API_KEYS, headers: [['Authorization', basic('key-alpha', 'pw')]], expect: { status: 401, code: 'invalid_token' }, challenge: `${bearerError('invalid_token', NOT_ACCEPTED)}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'credentials rejected not_accepted=1', sync: true },
  { name: 'unknown key in the header', settings: API_KEYS, headers: [['X-API-Key', 'key-gamma']], expect: { status: 401, code: 'invalid_token' }, challenge: `${bearerError('invalid_token', UNKNOWN_KEY)}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'apiKeys rejected unknown_api_key=1', sync: true },
  { name: 'JWT-shaped Bearer is left to jwt', settings: API_KEYS, headers: [['Authorization', 'Bearer a.b.c']], expect: { status: 401, code: 'invalid_token' }, outcome: 'credentials rejected not_accepted=1', challenge: `${bearerError('invalid_token', NOT_ACCEPTED)}, Basic realm="gatehouse", charset="UTF-8"`, sync: true },
  { name: 'key in the query is never read', settings: API_KEYS, headers: [], url: '/x?api_key=key-alpha&X-API-Key=key-alpha', expect: { status: 401, code: 'missing_credentials' }, challenge: BEARER_BASIC, outcome: 'credentials rejected missing=1', sync: true },
  { name: 'header only: Bearer key is not read as a key', settings: HEADER_ONLY, headers: [['Authorization', 'Bearer key-alpha']], expect: { status: 401, code: 'invalid_token' }, challenge: bearerError('invalid_token', NOT_ACCEPTED), outcome: 'credentials rejected not_accepted=1', sync: true },
  { name: 'header only: key in the header', settings: HEADER_ONLY, headers: [['X-API-Key', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'header off: X-API-Key is an ordinary header', settings: NO_HEADER, headers: [['X-API-Key', 'key-alpha']], expect: { status: 401, code: 'missing_credentials' }, challenge: 'Bearer realm="gatehouse"', outcome: 'credentials rejected missing=1', sync: true },
  { name: 'header off: Bearer key', settings: NO_HEADER, headers: [['Authorization', 'Bearer key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'custom header name', settings: CUSTOM_HEADER, headers: [['x-key', 'key-beta']], expect: { subject: 'apikey:beta' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'custom header: X-API-Key is ignored', settings: CUSTOM_HEADER, headers: [['X-API-Key', 'key-beta']], expect: { status: 401, code: 'missing_credentials' }, challenge: 'Bearer realm="gatehouse"', outcome: 'credentials rejected missing=1', sync: true },
  // --- two credentials: the header is checked first, and a bad one is not rescued by the other
  { name: 'header and Bearer: the header wins', settings: API_KEYS, headers: [['X-API-Key', 'key-alpha'], ['Authorization', 'Bearer key-beta'], ], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'unknown header key and good Bearer: refused', settings: API_KEYS, headers: [['X-API-Key', 'key-gamma'], ['Authorization', 'Bearer key-beta'], ], expect: { status: 401, code: 'invalid_token' }, challenge: `${bearerError('invalid_token', UNKNOWN_KEY)}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'apiKeys rejected unknown_api_key=1', sync: true },
  { name: 'two API-key headers', settings: API_KEYS, headers: [['X-API-Key', 'key-alpha'], ['x-api-key', 'key-alpha'], ], expect: { status: 401, code: 'invalid_request' }, challenge: `${bearerError('invalid_request', 'More than one API key header was sent.')}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'credentials rejected malformed=1', sync: true },
  { name: 'two Authorization headers', settings: API_KEYS, headers: [['Authorization', 'Bearer key-alpha'], ['Authorization', 'Bearer key-alpha'], ], expect: { status: 401, code: 'invalid_request' }, outcome: 'credentials rejected malformed=1', challenge: `${bearerError('invalid_request', 'More than one Authorization header was sent.')}, Basic realm="gatehouse", charset="UTF-8"`, sync: true },
  // --- malformed Authorization: refused before any method runs
  ...(
    [
      ['Bearer', 'The Authorization header must be "Bearer <token>" or "Basic <credentials>".'],
      ['Bearer key alpha', 'The bearer token contains characters a token cannot have.'],
      ['Bearer ', 'The bearer token contains characters a token cannot have.'],
      ['Token key-alpha', 'Unsupported authorization scheme; use Bearer or Basic.'],
      ['Basic a2V5LWFscGhh', 'The Basic credentials have no ":" separator.'],
      ['Basic !!!!', 'The Basic credentials are not valid base64.'],
      ['Basic a2V', 'The Basic credentials are not valid base64.'],
      [`Bearer ${'k'.repeat(8 * 1024)}`, 'The Authorization header is too large.'],
    ] as const
  ).map(([value, description]): Row => ({
    name: `malformed Authorization: ${value.slice(0, 24)}`,
    settings: HEADER_ONLY,
    headers: [['Authorization', value]],
    expect: { status: 401, code: 'invalid_request' },
    challenge: bearerError('invalid_request', description),
    outcome: 'credentials rejected malformed=1',
    sync: true,
  })),
  { name: 'empty API-key header', settings: HEADER_ONLY, headers: [['X-API-Key', '']], expect: { status: 401, code: 'invalid_request' }, challenge: bearerError('invalid_request', 'The API key header is empty or malformed.'), outcome: 'credentials rejected malformed=1', sync: true },
  // --- requirements
  { name: 'scope required, held', settings: NEEDS_READ, headers: [['X-API-Key', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'scope required, missing', settings: NEEDS_READ, headers: [['X-API-Key', 'key-beta']], expect: { status: 403, code: 'insufficient_scope' }, challenge: bearerError('insufficient_scope', 'The credential lacks the scope(s): read.', ', scope="read"'), outcome: 'apiKeys forbidden scopes=1', sync: true },
  { name: 'group required, held', settings: NEEDS_OPS, headers: [['X-API-Key', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'group required, missing', settings: NEEDS_OPS, headers: [['X-API-Key', 'key-beta']], expect: { status: 403, code: 'forbidden' }, outcome: 'apiKeys forbidden groups=1', sync: true },
  // --- public
  { name: 'public: anonymous', settings: PUBLIC, headers: [], expect: { subject: '' }, outcome: 'public allowed=1', sync: true },
  { name: 'public only: credentials are not even read', settings: PUBLIC, headers: [['Authorization', 'Token nonsense']], expect: { subject: '' }, outcome: 'public allowed=1', sync: true },
  { name: 'public or key: anonymous', settings: PUBLIC_OR_KEY, headers: [], expect: { subject: '' }, outcome: 'public allowed=1', sync: true },
  { name: 'public or key: key', settings: PUBLIC_OR_KEY, headers: [['X-API-Key', 'key-beta']], expect: { subject: 'apikey:beta' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'public or key: a bad key is not anonymous', settings: PUBLIC_OR_KEY, headers: [['X-API-Key', 'key-gamma']], expect: { status: 401, code: 'invalid_token' }, challenge: `${bearerError('invalid_token', UNKNOWN_KEY)}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'apiKeys rejected unknown_api_key=1', sync: true },
  { name: 'public or key: malformed is not anonymous', settings: PUBLIC_OR_KEY, headers: [['Authorization', 'Bearer']], expect: { status: 401, code: 'invalid_request' }, outcome: 'credentials rejected malformed=1', challenge: `${bearerError('invalid_request', 'The Authorization header must be "Bearer <token>" or "Basic <credentials>".')}, Basic realm="gatehouse", charset="UTF-8"`, sync: true },
  { name: 'public with a requirement: anonymous must authenticate', settings: PUBLIC_NEEDS_READ, headers: [], expect: { status: 401, code: 'missing_credentials' }, challenge: BEARER_BASIC, outcome: 'public rejected authentication_required=1', sync: true },
  { name: 'public with a requirement: key holding it', settings: PUBLIC_NEEDS_READ, headers: [['X-API-Key', 'key-alpha']], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  // --- a method that answers each way (the fake jwt)
  { name: 'jwt: authenticated', settings: JWT, headers: [['Authorization', 'Bearer good.x.y']], expect: { subject: 'user:good' }, outcome: 'jwt allowed=1', sync: true },
  { name: 'jwt: rejected', settings: JWT, headers: [['Authorization', 'Bearer bad.x.y']], expect: { status: 401, code: 'invalid_token' }, challenge: bearerError('invalid_token', 'The token signature is not valid.'), outcome: 'jwt rejected bad_signature=1', sync: true },
  { name: 'jwt: unavailable', settings: JWT, headers: [['Authorization', 'Bearer down.x.y']], expect: { status: 503, code: 'auth_unavailable' }, outcome: 'jwt unavailable jwks_unavailable=1', sync: true },
  { name: 'jwt: authenticated after waiting', settings: JWT, headers: [['Authorization', 'Bearer late.x.y']], expect: { subject: 'user:late' }, outcome: 'jwt allowed=1', sync: false },
  { name: 'jwt: rejected after waiting', settings: JWT, headers: [['Authorization', 'Bearer lateBad.x.y']], expect: { status: 401, code: 'invalid_token' }, challenge: bearerError('invalid_token', 'The token signature is not valid.'), outcome: 'jwt rejected bad_signature=1', sync: false },
  { name: 'jwt: an API key is not its business', settings: JWT, headers: [['Authorization', 'Bearer key-alpha']], expect: { status: 401, code: 'invalid_token' }, challenge: bearerError('invalid_token', NOT_ACCEPTED), outcome: 'credentials rejected not_accepted=1', sync: true },
  // --- two methods: first authenticated wins, otherwise the worst problem (unavailable > rejected)
  { name: 'jwt rejected, header key good: key wins', settings: JWT_THEN_KEYS, headers: [['Authorization', 'Bearer bad.x.y'], ['X-API-Key', 'key-alpha'], ], expect: { subject: 'apikey:alpha' }, outcome: 'apiKeys allowed=1', sync: true },
  { name: 'jwt good, header key unknown: jwt wins', settings: JWT_THEN_KEYS, headers: [['Authorization', 'Bearer good.x.y'], ['X-API-Key', 'key-gamma'], ], expect: { subject: 'user:good' }, outcome: 'jwt allowed=1', sync: true },
  { name: 'jwt unavailable, key unknown: 503', settings: JWT_THEN_KEYS, headers: [['Authorization', 'Bearer down.x.y'], ['X-API-Key', 'key-gamma'], ], expect: { status: 503, code: 'auth_unavailable' }, outcome: 'jwt unavailable jwks_unavailable=1', sync: true },
  { name: 'jwt rejected late, key unknown: first problem kept', settings: JWT_THEN_KEYS, headers: [['Authorization', 'Bearer lateBad.x.y'], ['X-API-Key', 'key-gamma'], ], expect: { status: 401, code: 'invalid_token' }, challenge: `${bearerError('invalid_token', 'The token signature is not valid.')}, Basic realm="gatehouse", charset="UTF-8"`, outcome: 'jwt rejected bad_signature=1', sync: false },
  { name: 'jwt late good, needs read: allowed', settings: { ...JWT_THEN_KEYS, require: { scopes: ['read'] } }, headers: [['Authorization', 'Bearer late.x.y']], expect: { subject: 'user:late' }, outcome: 'jwt allowed=1', sync: false },
];

describe('CompiledGate.admit, table', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const { gate, metrics } = buildGate(row.settings);
      const answer = gate.admit(request(row.headers, row.url));
      assert.equal(answer instanceof Promise, !row.sync, 'answered without waiting');
      const admission = await answer;
      if ('subject' in row.expect) {
        assert.ok(admission.allowed, `allowed (got ${admission.allowed ? '' : admission.error.code})`);
        assert.equal(admission.identity.subject, row.expect.subject);
      } else {
        assert.ok(!admission.allowed, 'refused');
        assert.equal(admission.error.status, row.expect.status);
        assert.equal(admission.error.code, row.expect.code);
        assert.equal(admission.error.headers?.['www-authenticate'], row.challenge);
        if (row.expect.status === 503) assert.equal(admission.error.headers?.['retry-after'], '5');
      }
      assert.deepEqual(await recordedOutcomes(metrics), [row.outcome]);
    });
  }
});

describe('CompiledGate.admit, a method that throws', () => {
  it('turns the throw into a rejected promise, never an admission', async () => {
    const { gate, metrics } = buildGate(JWT_THEN_KEYS);
    const answer = gate.admit(
      request([
        ['Authorization', 'Bearer boom.x.y'],
        ['X-API-Key', 'key-alpha'],
      ]),
    );
    assert.ok(answer instanceof Promise);
    await assert.rejects(answer, /a bug in the method/);
    assert.deepEqual(await recordedOutcomes(metrics), []);
  });
});

describe('Gate identity headers', () => {
  it('names every standard identity header plus the claim headers, lower-cased', () => {
    const { gate } = buildGate({ ...JWT, claimHeaders: { 'X-User-Email': 'email' } });
    assert.deepEqual([...gate.identityHeaderNames].sort(), [
      'x-auth-groups',
      'x-auth-key-id',
      'x-auth-method',
      'x-auth-scopes',
      'x-auth-subject',
      'x-user-email',
    ]);
  });

  it('renders the admitted identity', async () => {
    const { gate } = buildGate(API_KEYS);
    const admission = await gate.admit(request([['X-API-Key', 'key-alpha']]));
    assert.ok(admission.allowed);
    assert.deepEqual(admission.upstreamHeaders, [
      'x-auth-method',
      'apiKeys',
      'x-auth-subject',
      'apikey:alpha',
      'x-auth-groups',
      'ops',
      'x-auth-scopes',
      'read',
      'x-auth-key-id',
      'alpha',
    ]);
  });
});

describe('Gate admissions per identity', () => {
  const admit = async (gate: ReturnType<typeof buildGate>['gate'], token: string): Promise<unknown> => {
    const admission = await gate.admit(request([['Authorization', `Bearer ${token}`]]));
    assert.ok(admission.allowed);
    assert.equal(admission.identity, KEPT_IDENTITY);
    return admission;
  };

  it('an identity the method hands out again (a cache hit) is admitted with the same admission object', async () => {
    const { gate } = buildGate(JWT);
    assert.equal(await admit(gate, 'kept.x.y'), await admit(gate, 'kept.x.y'));
  });

  it('a transient identity is not remembered: a new admission each time, with the same headers', async () => {
    const { gate } = buildGate(JWT);
    const first = await admit(gate, 'keptOnce.x.y');
    const second = await admit(gate, 'keptOnce.x.y');
    assert.notEqual(first, second);
    assert.deepEqual(first, second);
  });
});
