/**
 * JWT authentication through the real gateway: startGatehouse → HTTP → a real upstream.
 * Every test asserts the status, the JSON error code and whether the upstream was reached.
 * Time is a ManualClock shared by the gateway and the token signer.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import { ManualClock } from '../../src/clock.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send, sendRawRequest, type SimpleResponse } from '../helpers/http.js';
import { generateHmacSecret, generateTestKeys, type TestHmacSecret, type TestKeys } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import {
  buildTokenFixtures,
  FIXTURE_NAMES,
  fixtureProvider,
  signToken,
  type FixtureName,
  type Json,
  type TokenFixtures,
} from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const API = 'https://api.gatehouse.test';
const HS_ISSUER = 'https://hs.issuer.test';
const HS2_ISSUER = 'https://second.issuer.test';
const CUSTOM_ISSUER = 'https://custom-claims.issuer.test';
const API_KEY = 'ghk_gatewayJwtTestKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

interface ErrorJson {
  error?: string;
  message?: string;
  requestId?: string;
}

/** An HS256 token for `secret`, times relative to `nowMs`. */
function hsToken(
  secret: TestHmacSecret,
  nowMs: number,
  claims: Json = {},
  header: Json = {},
): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return signToken(
    { alg: 'HS256', typ: 'JWT', ...header },
    { iss: HS_ISSUER, aud: API, sub: 'alice', iat: now, exp: now + 600, ...claims },
    secret,
  );
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** `error_description="..."` of a Bearer challenge. */
function errorDescription(res: SimpleResponse): string {
  const match = /error_description="((?:[^"\\]|\\.)*)"/.exec(String(res.headers['www-authenticate']));
  return match?.[1] ?? '';
}

function outcomes(gh: TestGatehouse, labels: Record<string, string>): Promise<number> {
  return readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', labels).then((v) => v ?? 0);
}

function cacheLookups(gh: TestGatehouse, result: 'hit' | 'miss'): Promise<number> {
  return readMetric(gh.adminUrl, 'gatehouse_token_cache_lookups_total', { cache: 'jwt', result }).then(
    (v) => v ?? 0,
  );
}

function deployment(
  id: string,
  basePath: string,
  auth: ConfigObject | 'inherit',
  infrastructure = 'infra',
): ConfigObject {
  return { id, service: 'api', version: 'v1', infrastructure, basePath, auth };
}

const jwtAuth = (providers: string[], extra: ConfigObject = {}): ConfigObject => ({
  methods: ['jwt'],
  jwt: { providers },
  ...extra,
});

describe('JWT through the gateway', () => {
  const clock = new ManualClock(NOW);
  let keys: TestKeys;
  let fx: TokenFixtures;
  let hs: TestHmacSecret;
  let hs2: TestHmacSecret;
  let custom: TestHmacSecret;
  let upstream: TestUpstream;
  let wsUpstream: TestUpstream;
  let wss: WebSocketServer;
  const handshakes: IncomingHttpHeaders[] = [];
  let gh: TestGatehouse;

  const token = (claims: Json = {}, header: Json = {}): Promise<string> =>
    hsToken(hs, clock.now(), claims, header);
  const lastSeen = (): IncomingHttpHeaders => {
    const last = upstream.requests.at(-1);
    assert.ok(last, 'the upstream received a request');
    return last.headers;
  };
  /** GET path on the gateway expecting 200 and exactly one upstream request; returns what the upstream saw. */
  const pass = async (path: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> => {
    const count = upstream.requests.length;
    const res = await send(gh.url, path, { headers });
    assert.equal(res.status, 200, `${path}: ${res.text.slice(0, 300)}`);
    assert.equal(upstream.requests.length, count + 1, 'the upstream was reached once');
    return lastSeen();
  };
  const refuse = async (
    path: string,
    headers: Record<string, string>,
    status: number,
    code: string,
    secretText?: string,
  ): Promise<SimpleResponse> => {
    const seen = witness(upstream);
    const res = await send(gh.url, path, { headers });
    assertRefused(res, seen, {
      status,
      error: code,
      reached: false,
      ...(secretText === undefined ? {} : { notEchoing: secretText }),
    });
    return res;
  };

  before(async () => {
    keys = await generateTestKeys();
    fx = await buildTokenFixtures(keys, { now: clock.now() });
    hs = generateHmacSecret('hs-1');
    hs2 = generateHmacSecret('hs-2');
    custom = generateHmacSecret('custom-1');
    upstream = await startUpstream('api');
    wsUpstream = await startUpstream('ws');
    wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (socket) => {
      socket.on('message', (data: RawData) => socket.send(`echo:${(data as Buffer).toString('utf8')}`));
    });
    wsUpstream.server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      handshakes.push(req.headers);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    const claimHeaders = { 'X-User-Email': 'email', 'X-User-Roles': 'roles', 'X-User-Note': 'note' };
    gh = await startGatehouse(
      {
        providers: [
          {
            id: 'hs',
            type: 'hmac',
            issuer: HS_ISSUER,
            audiences: [API],
            secrets: [{ secret: hs.secret }],
          },
          {
            id: 'hs2',
            type: 'hmac',
            issuer: HS2_ISSUER,
            audiences: [API],
            secrets: [{ secret: hs2.secret }],
          },
          {
            id: 'custom',
            type: 'hmac',
            issuer: CUSTOM_ISSUER,
            audiences: [API],
            secrets: [{ secret: custom.secret }],
            claims: { subject: 'email', groups: 'roles', scopes: ['permissions'] },
          },
          fixtureProvider(keys, 'publicKey'),
        ],
        infrastructures: [
          { id: 'infra', nodes: [upstream.url] },
          { id: 'ws-infra', nodes: [wsUpstream.url] },
        ],
        services: [{ id: 'api', versions: [{ id: 'v1', auth: jwtAuth(['hs']) }] }],
        deployments: [
          deployment('hs', '/hs', jwtAuth(['hs'], { claimHeaders })),
          deployment('hs-fwd', '/hs-fwd', jwtAuth(['hs'], { forwardAuthorization: true })),
          deployment('custom', '/custom', jwtAuth(['custom'])),
          deployment('fx', '/fx', jwtAuth(['fixtures-pem'])),
          deployment('multi', '/multi', jwtAuth(['hs', 'hs2', 'fixtures-pem'])),
          deployment(
            'scope-read',
            '/scope-read',
            jwtAuth(['hs', 'hs2'], { require: { scopes: ['resource:read'] } }),
          ),
          deployment(
            'scope-two',
            '/scope-two',
            jwtAuth(['hs'], { require: { scopes: ['orders:write', 'billing:read'] } }),
          ),
          deployment('scope-wild', '/scope-wild', jwtAuth(['hs'], { require: { scopes: ['resource:*'] } })),
          deployment(
            'groups-any',
            '/groups-any',
            jwtAuth(['hs'], { require: { groups: { anyOf: ['admins', 'ops'] } } }),
          ),
          deployment(
            'groups-all',
            '/groups-all',
            jwtAuth(['hs'], { require: { groups: { allOf: ['staff', 'oncall'] } } }),
          ),
          deployment('keys-or-jwt', '/keys-or-jwt', {
            methods: ['apiKeys', 'jwt'],
            apiKeys: { keys: [{ id: 'k1', hash: hashApiKey(API_KEY) }] },
            jwt: { providers: ['hs'] },
          }),
          deployment('public-or-jwt', '/public-or-jwt', {
            methods: ['public', 'jwt'],
            jwt: { providers: ['hs'] },
          }),
          deployment('ws', '/ws', jwtAuth(['hs']), 'ws-infra'),
        ],
      },
      { clock },
    );
  });

  after(async () => {
    await gh.stop();
    for (const client of wss.clients) client.terminate();
    wss.close();
    await upstream.close();
    await wsUpstream.close();
  });

  describe('identity reaching the upstream', () => {
    it('a valid HS256 token → 200 with X-Auth-* and claim headers, no Authorization', async () => {
      const t = await token({
        groups: ['staff', 'oncall'],
        scope: 'orders:read orders:write',
        email: 'alice@example.test',
        roles: ['reader', 'writer'],
        note: 'first\r\nX-Injected: yes\u0000',
        jti: 'tok-identity',
      });
      const seen = await pass('/hs/orders', bearer(t));
      assert.equal(seen['x-auth-method'], 'jwt');
      assert.equal(seen['x-auth-subject'], 'alice');
      assert.equal(seen['x-auth-groups'], 'staff,oncall');
      assert.equal(seen['x-auth-scopes'], 'orders:read,orders:write');
      assert.equal(seen['x-auth-key-id'], undefined, 'X-Auth-Key-Id is for API keys only');
      assert.equal(seen['x-user-email'], 'alice@example.test');
      assert.equal(seen['x-user-roles'], 'reader,writer', 'array claims are comma-joined');
      assert.equal(seen['x-user-note'], 'first X-Injected: yes', 'CR/LF/NUL in a claim are neutralised');
      assert.equal(seen['x-injected'], undefined, 'no header can be injected through a claim');
      assert.equal(seen.authorization, undefined, 'Authorization is stripped by default');
    });

    it('percent-encodes non-ASCII subjects and claims (UTF-8) instead of failing the request', async () => {
      const t = await token({ sub: '李雷', email: 'zoë@example.test', note: '100% sure', jti: 'tok-utf8' });
      const seen = await pass('/hs/orders', bearer(t));
      assert.equal(seen['x-auth-subject'], '%E6%9D%8E%E9%9B%B7');
      assert.equal(decodeURIComponent(String(seen['x-auth-subject'])), '李雷');
      assert.equal(seen['x-user-email'], 'zo%C3%AB@example.test');
      assert.equal(seen['x-user-note'], '100%25 sure', '"%" is escaped so decoding is unambiguous');
    });

    it('forwards Authorization when the deployment sets forwardAuthorization: true', async () => {
      const t = await token({ jti: 'tok-forward' });
      const seen = await pass('/hs-fwd/x', bearer(t));
      assert.equal(seen.authorization, `Bearer ${t}`);
      assert.equal(seen['x-auth-subject'], 'alice');
    });

    it('reads scopes from an `scp` array on a provider with the default claim names', async () => {
      const now = Math.floor(clock.now() / 1000);
      const t = await signToken(
        { alg: 'HS256', typ: 'JWT' },
        {
          iss: HS2_ISSUER,
          aud: API,
          sub: 'svc-2',
          iat: now,
          exp: now + 600,
          scp: ['orders:read', 'reports:*'],
        },
        hs2,
      );
      const seen = await pass('/multi/x', bearer(t));
      assert.equal(seen['x-auth-subject'], 'svc-2');
      assert.equal(seen['x-auth-scopes'], 'orders:read,reports:*');
      assert.equal(seen['x-auth-groups'], undefined, 'no groups claim → no X-Auth-Groups');
    });

    it('honours configured claim names (subject, groups, scopes)', async () => {
      const now = Math.floor(clock.now() / 1000);
      const t = await signToken(
        { alg: 'HS256' },
        {
          iss: CUSTOM_ISSUER,
          aud: API,
          sub: 'ignored-sub',
          email: 'bob@example.test',
          roles: 'auditors',
          permissions: 'audit:read',
          scope: 'ignored',
          iat: now,
          exp: now + 600,
        },
        custom,
      );
      const seen = await pass('/custom/x', bearer(t));
      assert.equal(seen['x-auth-subject'], 'bob@example.test');
      assert.equal(seen['x-auth-groups'], 'auditors', 'a single-string groups claim is one group');
      assert.equal(seen['x-auth-scopes'], 'audit:read');
    });

    it('replaces spoofed X-Auth-* and claim headers sent by the client', async () => {
      const t = await token({ groups: ['staff'], scope: 'read', jti: 'tok-spoof' });
      const seen = await pass('/hs/x', {
        ...bearer(t),
        'X-Auth-Subject': 'admin',
        'X-Auth-Groups': 'admins',
        'X-Auth-Scopes': '*',
        'X-Auth-Method': 'apiKeys',
        'X-Auth-Key-Id': 'root-key',
        'X-User-Email': 'admin@example.test',
        'X-User-Roles': 'admin',
      });
      assert.equal(seen['x-auth-subject'], 'alice');
      assert.equal(seen['x-auth-groups'], 'staff');
      assert.equal(seen['x-auth-scopes'], 'read');
      assert.equal(seen['x-auth-method'], 'jwt');
      assert.equal(seen['x-auth-key-id'], undefined);
      assert.equal(
        seen['x-user-email'],
        undefined,
        'a mapped claim the token lacks is removed, not passed through',
      );
      assert.equal(seen['x-user-roles'], undefined);
    });
  });

  describe('Authorization header syntax', () => {
    it('accepts a lowercase scheme and extra spaces after it', async () => {
      const t = await token({ jti: 'tok-syntax' });
      for (const value of [`bearer ${t}`, `Bearer   ${t}`, `BEARER ${t}`]) {
        const seen = await pass('/hs/x', { authorization: value });
        assert.equal(seen['x-auth-subject'], 'alice', value.slice(0, 10));
      }
    });

    it('refuses garbage as 401 invalid_request without reaching the upstream', async () => {
      const t = await token({ jti: 'tok-garbage' });
      for (const value of [
        'Bearer a b',
        `Bearerx ${t}`,
        'Bearer',
        `Token ${t}`,
        `Bearer ${t} extra`,
        'Basic !!!',
      ]) {
        const res = await refuse('/hs/x', { authorization: value }, 401, 'invalid_request', t);
        assert.match(
          String(res.headers['www-authenticate']),
          /^Bearer realm="gatehouse", error="invalid_request"/,
        );
      }
    });

    it('refuses two Authorization headers, even both valid, as 401 invalid_request', async () => {
      const t = await token({ jti: 'tok-dup' });
      const seen = witness(upstream);
      const res = await sendRawRequest(
        gh.url,
        `GET /hs/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${t}\r\nAuthorization: Bearer ${t}\r\nConnection: close\r\n\r\n`,
      );
      assertRefused(res, seen, { status: 401, error: 'invalid_request', reached: false, notEchoing: t });
      assert.match(res.headers['www-authenticate'] ?? '', /error="invalid_request"/);
      assert.match(res.json<ErrorJson>().message ?? '', /More than one Authorization header/);
    });

    it('answers 401 missing_credentials with a bare Bearer challenge when nothing is sent', async () => {
      const res = await refuse('/hs/x', {}, 401, 'missing_credentials');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse"');
    });

    it('refuses a credential above 8 KB as invalid_request, and a 100 KB header as 400 from the parser', async () => {
      const big = await token({ padding: 'x'.repeat(7000) });
      assert.ok(big.length > 8192);
      const res = await refuse('/hs/x', bearer(big), 401, 'invalid_request', big);
      assert.match(res.json<ErrorJson>().message ?? '', /too large/);

      const seen = witness(upstream);
      const huge = await sendRawRequest(
        gh.url,
        `GET /hs/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${fx.hugeToken.token}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(huge.status, 400);
      assert.equal(huge.json<ErrorJson>().error, 'bad_request');
      assert.equal(seen.since(), 0, 'the upstream was not reached');
    });
  });

  describe('every bad token from the named fixtures (RS256 publicKey provider)', () => {
    /** How the gateway answers each fixture: the credential parser and the JWT method each have their say. */
    const expectation = (
      name: FixtureName,
    ): { status: number; code: string; method: string; reason: string } | 'ok' | 'parser' => {
      const expected = fx[name].expected;
      if (expected === 'ok') return 'ok';
      // Larger than Node's header limit: refused by the HTTP parser before the gateway sees it.
      if (name === 'hugeToken') return 'parser';
      // Not an RFC 6750 b64token: refused by the credential parser.
      if (name === 'malformedBase64' || name === 'paddedBase64')
        return { status: 401, code: 'invalid_request', method: 'credentials', reason: 'malformed' };
      // Not JWT-shaped: no method claims it, so it is a credential nobody accepts here.
      if (name === 'twoSegments' || name === 'fourSegments')
        return { status: 401, code: 'invalid_token', method: 'credentials', reason: 'not_accepted' };
      return { status: 401, code: 'invalid_token', method: 'jwt', reason: expected };
    };
    /** What a helpful description says for each reason (never the token). */
    const DESCRIPTIONS: Record<string, RegExp> = {
      expired: /expired at \d{4}-/,
      not_yet_valid: /not valid before \d{4}-/,
      wrong_audience: /audience/,
      wrong_issuer: /issuer/,
      missing_claim: /required claim \w+ is missing/,
      alg_not_allowed: /algorithm/,
      bad_signature: /signature|not signed/,
      unknown_kid: /unknown signing key/,
      crit_unsupported: /critical header/,
      header_key_reference: /key references/,
      issued_in_future: /future/,
      too_old: /older than/,
      lifetime_too_long: /lifetime/,
      malformed: /malformed|not a valid time|not a compact JWS|not a base64url/,
      'credentials:not_accepted': /not one this deployment accepts/,
      'credentials:malformed': /characters a token cannot have/,
    };

    it('valid fixtures (RS256, ES256, EdDSA, no kid) → 200', async () => {
      for (const name of ['valid', 'validEs256', 'validEd25519', 'validNoKid'] as const) {
        const seen = await pass('/fx/x', bearer(fx[name].token));
        assert.equal(seen['x-auth-subject'], 'user-42', name);
        assert.equal(seen['x-auth-scopes'], 'read,write', name);
      }
    });

    for (const name of FIXTURE_NAMES) {
      it(`fixture ${name}: the answer its expectation implies, upstream reached only when valid`, async () => {
        const fixture = fx[name];
        const want = expectation(name);
        if (want === 'ok') {
          await pass('/fx/x', bearer(fixture.token));
          return;
        }
        if (want === 'parser') {
          const seen = witness(upstream);
          const res = await sendRawRequest(
            gh.url,
            `GET /fx/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${fixture.token}\r\nConnection: close\r\n\r\n`,
          );
          assert.equal(res.status, 400);
          assert.equal(res.json<ErrorJson>().error, 'bad_request');
          assert.ok(!res.body.includes(fixture.token.slice(0, 200)));
          assert.equal(seen.since(), 0, 'the upstream was not reached');
          return;
        }
        const labels = { deployment: 'fx', method: want.method, outcome: 'rejected', reason: want.reason };
        const counted = await outcomes(gh, labels);
        const res = await refuse('/fx/x', bearer(fixture.token), want.status, want.code, fixture.token);
        const challenge = String(res.headers['www-authenticate']);
        assert.match(
          challenge,
          new RegExp(`^Bearer realm="gatehouse", error="${want.code}", error_description="`),
        );
        const description = errorDescription(res);
        const key = want.method === 'credentials' ? `credentials:${want.reason}` : want.reason;
        const pattern = DESCRIPTIONS[key];
        assert.ok(pattern, `a description pattern for ${key}`);
        assert.match(description, pattern, `${name}: ${description}`);
        const [, , signature = ''] = fixture.token.split('.');
        if (signature.length > 8)
          assert.ok(!challenge.includes(signature), 'no token fragment in the challenge');
        assert.equal(await outcomes(gh, labels), counted + 1, `metric reason ${want.reason}`);
      });
    }

    it('HS256 signed with the RSA public key PEM is refused by the algorithm allowlist, not verified', async () => {
      const res = await refuse('/fx/x', bearer(fx.hs256WithRsaPublicKey.token), 401, 'invalid_token');
      assert.match(errorDescription(res), /signing algorithm not accepted \(accepted: RS256, ES256, EdDSA\)/);
    });

    it('no token ever appears in the gateway log', () => {
      const log = gh.log.text();
      for (const name of FIXTURE_NAMES) {
        const [, payload = ''] = fx[name].token.split('.');
        assert.ok(!log.includes(fx[name].token.slice(0, 120)), `${name} token in the log`);
        if (payload.length > 40) assert.ok(!log.includes(payload.slice(0, 40)), `${name} payload in the log`);
      }
    });
  });

  describe('several providers on one deployment', () => {
    it('sends each token to the provider its iss names', async () => {
      const now = Math.floor(clock.now() / 1000);
      const a = await token({ sub: 'from-hs', jti: 'multi-a' });
      const b = await signToken(
        { alg: 'HS256' },
        { iss: HS2_ISSUER, aud: API, sub: 'from-hs2', iat: now, exp: now + 600 },
        hs2,
      );
      assert.equal((await pass('/multi/x', bearer(a)))['x-auth-subject'], 'from-hs');
      assert.equal((await pass('/multi/x', bearer(b)))['x-auth-subject'], 'from-hs2');
      assert.equal((await pass('/multi/x', bearer(fx.valid.token)))['x-auth-subject'], 'user-42');
    });

    it('never tries another provider: iss of hs2 signed with the hs secret is a bad signature', async () => {
      const labels = { deployment: 'multi', method: 'jwt', outcome: 'rejected', reason: 'bad_signature' };
      const counted = await outcomes(gh, labels);
      const forged = await token({ iss: HS2_ISSUER, jti: 'multi-forged' });
      await refuse('/multi/x', bearer(forged), 401, 'invalid_token', forged);
      assert.equal(await outcomes(gh, labels), counted + 1);
    });

    it('an iss none of the providers has → 401 wrong_issuer, counted in /metrics', async () => {
      const labels = { deployment: 'multi', method: 'jwt', outcome: 'rejected', reason: 'wrong_issuer' };
      const counted = await outcomes(gh, labels);
      const stranger = await token({ iss: 'https://stranger.test', jti: 'multi-stranger' });
      const res = await refuse('/multi/x', bearer(stranger), 401, 'invalid_token', stranger);
      assert.match(errorDescription(res), /issuer/);
      const missingIss = await token({ iss: undefined, jti: 'multi-no-iss' });
      await refuse('/multi/x', bearer(missingIss), 401, 'invalid_token', missingIss);
      assert.equal(await outcomes(gh, labels), counted + 2);
    });

    it('checks aud on the selected provider', async () => {
      const other = await token({ aud: 'https://other-api.test', jti: 'multi-aud' });
      const res = await refuse('/multi/x', bearer(other), 401, 'invalid_token', other);
      assert.match(errorDescription(res), /audience not accepted/);
      const noAud = await token({ aud: undefined, jti: 'multi-no-aud' });
      const missing = await refuse('/multi/x', bearer(noAud), 401, 'invalid_token', noAud);
      assert.match(errorDescription(missing), /required claim aud is missing/);
    });
  });

  describe('required scopes and groups', () => {
    it('accepts the exact scope, resource:*, * and admin:* for a required resource:read', async () => {
      for (const scope of ['resource:read', 'other resource:*', '*', 'admin:*']) {
        const seen = await pass('/scope-read/x', bearer(await token({ scope, jti: `s-${scope}` })));
        assert.equal(seen['x-auth-subject'], 'alice', scope);
      }
    });

    it('accepts an scp array carrying the wildcard too', async () => {
      const now = Math.floor(clock.now() / 1000);
      const t = await signToken(
        { alg: 'HS256' },
        { iss: HS2_ISSUER, aud: API, sub: 'svc', iat: now, exp: now + 600, scp: ['resource:*'] },
        hs2,
      );
      await pass('/scope-read/x', bearer(t));
    });

    it('403 insufficient_scope with scope="..." in WWW-Authenticate, upstream not reached', async () => {
      for (const scope of ['resource:write', 'other:*', 'resource', 'resourcex:read', 'read', undefined]) {
        const t = await token({ scope, jti: `s-bad-${String(scope)}` });
        const res = await refuse('/scope-read/x', bearer(t), 403, 'insufficient_scope', t);
        assert.equal(
          res.headers['www-authenticate'],
          'Bearer realm="gatehouse", error="insufficient_scope", error_description="The credential lacks the scope(s): resource:read.", scope="resource:read"',
          String(scope),
        );
      }
    });

    it('names every missing scope and lists every required one', async () => {
      const t = await token({ scope: 'orders:write', jti: 'two-scopes' });
      const res = await refuse('/scope-two/x', bearer(t), 403, 'insufficient_scope', t);
      assert.match(
        String(res.headers['www-authenticate']),
        /lacks the scope\(s\): billing:read\.", scope="orders:write billing:read"$/,
      );
      await pass('/scope-two/x', bearer(await token({ scope: 'orders:* billing:read', jti: 'two-ok' })));
    });

    it('a required resource:* is met only by resource:*, * or admin:* (wildcards live on the granted side)', async () => {
      const t = await token({ scope: 'resource:read resource:write', jti: 'wild-req' });
      await refuse('/scope-wild/x', bearer(t), 403, 'insufficient_scope', t);
      for (const scope of ['resource:*', '*', 'admin:*'])
        await pass('/scope-wild/x', bearer(await token({ scope, jti: `wild-${scope}` })));
    });

    it('groups anyOf: one listed group is enough; others → 403 forbidden', async () => {
      await pass('/groups-any/x', bearer(await token({ groups: ['dev', 'ops'], jti: 'g-any-ok' })));
      await pass('/groups-any/x', bearer(await token({ groups: 'admins', jti: 'g-any-str' })));
      const labels = { deployment: 'groups-any', method: 'jwt', outcome: 'forbidden', reason: 'groups' };
      const counted = await outcomes(gh, labels);
      for (const groups of [['dev'], [], undefined, 'Admins']) {
        const t = await token({ groups, jti: `g-any-${JSON.stringify(groups)}` });
        const res = await refuse('/groups-any/x', bearer(t), 403, 'forbidden', t);
        assert.equal(res.headers['www-authenticate'], undefined, 'forbidden carries no challenge');
      }
      assert.equal(await outcomes(gh, labels), counted + 4);
    });

    it('groups allOf: every listed group is needed', async () => {
      await pass('/groups-all/x', bearer(await token({ groups: ['staff', 'oncall', 'x'], jti: 'g-all-ok' })));
      for (const groups of [['staff'], ['oncall'], []]) {
        const t = await token({ groups, jti: `g-all-${groups.join()}` });
        await refuse('/groups-all/x', bearer(t), 403, 'forbidden', t);
      }
    });
  });

  describe('methods combined', () => {
    it('[apiKeys, jwt]: a key (Bearer or X-API-Key) works, a JWT works, a bad JWT is 401', async () => {
      let seen = await pass('/keys-or-jwt/x', bearer(API_KEY));
      assert.equal(seen['x-auth-method'], 'apiKeys');
      assert.equal(seen['x-auth-key-id'], 'k1');
      seen = await pass('/keys-or-jwt/x', { 'x-api-key': API_KEY });
      assert.equal(seen['x-auth-method'], 'apiKeys');
      seen = await pass('/keys-or-jwt/x', bearer(await token({ jti: 'combo-jwt' })));
      assert.equal(seen['x-auth-method'], 'jwt');
      assert.equal(seen['x-auth-key-id'], undefined);

      const expired = await token({ iat: Math.floor(NOW / 1000) - 7200, exp: Math.floor(NOW / 1000) - 3600 });
      const res = await refuse('/keys-or-jwt/x', bearer(expired), 401, 'invalid_token', expired);
      assert.match(
        String(res.headers['www-authenticate']),
        /^Bearer realm="gatehouse", error="invalid_token", error_description="token expired at [^"]+", Basic realm="gatehouse", charset="UTF-8"$/,
      );
      await refuse('/keys-or-jwt/x', bearer(`${API_KEY}x`), 401, 'invalid_token');
    });

    it('[apiKeys, jwt]: any method that succeeds wins, even next to a bad JWT', async () => {
      const expired = await token({ iat: Math.floor(NOW / 1000) - 7200, exp: Math.floor(NOW / 1000) - 3600 });
      const seen = await pass('/keys-or-jwt/x', { ...bearer(expired), 'x-api-key': API_KEY });
      assert.equal(seen['x-auth-method'], 'apiKeys');
    });

    it('[public, jwt]: no credential → public; a valid JWT → jwt', async () => {
      let seen = await pass('/public-or-jwt/x', { 'X-Auth-Subject': 'spoofed' });
      assert.equal(seen['x-auth-method'], 'public');
      assert.equal(seen['x-auth-subject'], undefined, 'a spoofed subject is removed on public access');
      seen = await pass('/public-or-jwt/x', bearer(await token({ jti: 'pub-jwt' })));
      assert.equal(seen['x-auth-method'], 'jwt');
      assert.equal(seen['x-auth-subject'], 'alice');
    });

    it('[public, jwt]: a bad credential is 401, never silently public', async () => {
      const expired = await token({ iat: Math.floor(NOW / 1000) - 7200, exp: Math.floor(NOW / 1000) - 3600 });
      await refuse('/public-or-jwt/x', bearer(expired), 401, 'invalid_token', expired);
      await refuse('/public-or-jwt/x', bearer(fx.valid.token), 401, 'invalid_token');
      await refuse('/public-or-jwt/x', bearer('opaque-not-a-jwt'), 401, 'invalid_token');
      await refuse('/public-or-jwt/x', { authorization: 'Bearer a b' }, 401, 'invalid_request');
    });
  });

  describe('verified-token cache', () => {
    it('a token is cached on its second verification (doorkeeper) and served from the cache after that', async () => {
      const t = await token({ jti: 'cache-hit' });
      const [hits, misses] = [await cacheLookups(gh, 'hit'), await cacheLookups(gh, 'miss')];
      await pass('/hs/x', bearer(t));
      assert.equal(await cacheLookups(gh, 'miss'), misses + 1);
      await pass('/hs/x', bearer(t));
      assert.equal(await cacheLookups(gh, 'miss'), misses + 2, 'first sight only remembered: verified again');
      assert.equal(await cacheLookups(gh, 'hit'), hits);
      const seen = await pass('/hs/x', bearer(t));
      assert.equal(seen['x-auth-subject'], 'alice', 'a cached identity still yields identity headers');
      assert.equal(await cacheLookups(gh, 'hit'), hits + 1);
      assert.equal(await cacheLookups(gh, 'miss'), misses + 2);
    });

    it('a cached verification is not reused by a deployment that does not trust its provider', async () => {
      const t = await token({ jti: 'cache-scope' });
      await pass('/hs/x', bearer(t));
      await refuse('/fx/x', bearer(t), 401, 'invalid_token', t);
    });
  });

  describe('WebSocket upgrade', () => {
    const wsUrl = (path: string): string => gh.url.replace(/^http/, 'ws') + path;

    interface Refused {
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: ErrorJson;
    }
    const open = (path: string, headers: Record<string, string>): Promise<WebSocket | Refused> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(wsUrl(path), { headers });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ErrorJson,
            }),
          );
        });
        ws.once('error', reject);
      });

    it('without a token the socket gets 401 JSON and the upstream never sees a handshake', async () => {
      const count = handshakes.length;
      const res = await open('/ws/chat', {});
      assert.ok(!(res instanceof WebSocket), 'the upgrade is refused');
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'missing_credentials');
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse"');
      assert.equal(res.headers['x-request-id'], res.body.requestId);

      const expired = await token({ iat: Math.floor(NOW / 1000) - 7200, exp: Math.floor(NOW / 1000) - 3600 });
      const bad = await open('/ws/chat', bearer(expired));
      assert.ok(!(bad instanceof WebSocket));
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error, 'invalid_token');
      assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal(handshakes.length, count);
      assert.equal(wsUpstream.requests.length, 0);
    });

    it('a non-ASCII subject is percent-encoded on the handshake too (no crash, first use or cached)', async () => {
      const t = await token({ sub: '李雷', jti: 'ws-utf8' });
      for (let attempt = 0; attempt < 2; attempt++) {
        const ws = await open('/ws/chat', bearer(t));
        assert.ok(ws instanceof WebSocket, `upgraded (attempt ${attempt + 1})`);
        assert.equal(handshakes.at(-1)?.['x-auth-subject'], '%E6%9D%8E%E9%9B%B7');
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        ws.close(1000);
        await closed;
      }
    });

    it('with a valid token the upgrade goes through, messages flow, the handshake carries the identity', async () => {
      const count = handshakes.length;
      const t = await token({ sub: 'ws-user', groups: ['staff'], jti: 'ws-ok' });
      const ws = await open('/ws/chat', { ...bearer(t), 'X-Auth-Subject': 'spoofed' });
      assert.ok(ws instanceof WebSocket, 'upgraded');
      try {
        assert.equal(handshakes.length, count + 1);
        const seen = handshakes.at(-1) ?? {};
        assert.equal(seen['x-auth-subject'], 'ws-user');
        assert.equal(seen['x-auth-method'], 'jwt');
        assert.equal(seen['x-auth-groups'], 'staff');
        assert.equal(seen.authorization, undefined);
        const reply = new Promise<string>((resolve) =>
          ws.once('message', (data: RawData) => resolve((data as Buffer).toString('utf8'))),
        );
        ws.send('ping');
        assert.equal(await reply, 'echo:ping');
      } finally {
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        ws.close(1000);
        await closed;
      }
    });
  });
});

describe('verified-token cache against the clock and revocations', () => {
  const clock = new ManualClock(NOW);
  let hs: TestHmacSecret;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const get = (t: string): Promise<SimpleResponse> => send(gh.url, '/api/x', { headers: bearer(t) });

  before(async () => {
    hs = generateHmacSecret('hs-cache');
    upstream = await startUpstream('cache');
    gh = await startGatehouse(
      {
        providers: [
          // No clock tolerance: the cache and the verifier agree on the exact second of expiry.
          {
            id: 'hs',
            type: 'hmac',
            issuer: HS_ISSUER,
            audiences: [API],
            clockToleranceSec: 0,
            secrets: [{ secret: hs.secret }],
          },
        ],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [{ id: 'api', versions: [{ id: 'v1', auth: jwtAuth(['hs']) }] }],
        deployments: [deployment('api', '/api', 'inherit')],
      },
      { clock },
    );
  });
  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  it('a cached token is refused once the clock reaches its exp', async () => {
    const expSec = Math.floor(clock.now() / 1000) + 30;
    const t = await hsToken(hs, clock.now(), { exp: expSec, jti: 'exp-1' });
    const count = upstream.requests.length;
    assert.equal((await get(t)).status, 200);
    assert.equal((await get(t)).status, 200, 'verified twice: now cached');
    const hits = await cacheLookups(gh, 'hit');
    clock.set(expSec * 1000 - 1);
    assert.equal((await get(t)).status, 200, 'still valid one millisecond before exp');
    assert.equal(await cacheLookups(gh, 'hit'), hits + 1, 'served from the cache');
    assert.equal(upstream.requests.length, count + 3);

    clock.set(expSec * 1000);
    const misses = await cacheLookups(gh, 'miss');
    const seen = witness(upstream);
    const res = await get(t);
    assertRefused(res, seen, { status: 401, error: 'invalid_token', reached: false, notEchoing: t });
    assert.match(errorDescription(res), /token expired at/);
    assert.equal(await cacheLookups(gh, 'miss'), misses + 1, 'the cache did not serve it past exp');
  });

  it('revokeSubject makes the next request with a cached token 401 at once', async () => {
    const t = await hsToken(hs, clock.now(), { sub: 'mallory', jti: 'rev-sub-1' });
    assert.equal((await get(t)).status, 200);
    assert.equal((await get(t)).status, 200);
    const hits = await cacheLookups(gh, 'hit');
    assert.equal((await get(t)).status, 200);
    assert.equal(await cacheLookups(gh, 'hit'), hits + 1, 'the token is cached');

    gh.gatehouse.revocations.revokeSubject('mallory', clock.now());
    const labels = { deployment: 'api', method: 'jwt', outcome: 'rejected', reason: 'revoked' };
    const counted = await outcomes(gh, labels);
    const seen = witness(upstream);
    const res = await get(t);
    assertRefused(res, seen, { status: 401, error: 'invalid_token', reached: false, notEchoing: t });
    assert.match(errorDescription(res), /revoked/);
    assert.equal(await outcomes(gh, labels), counted + 1);

    // Tokens issued after the revocation time are accepted again.
    clock.advance(2000);
    const fresh = await hsToken(hs, clock.now(), { sub: 'mallory', jti: 'rev-sub-2' });
    assert.equal((await get(fresh)).status, 200);
    gh.gatehouse.revocations.restoreSubject('mallory');
  });

  it('revokeCredential(jti) makes the next request with that cached token 401; other tokens pass', async () => {
    const t = await hsToken(hs, clock.now(), { sub: 'carol', jti: 'rev-jti-1' });
    const other = await hsToken(hs, clock.now(), { sub: 'carol', jti: 'rev-jti-2' });
    assert.equal((await get(t)).status, 200);
    assert.equal((await get(other)).status, 200);
    gh.gatehouse.revocations.revokeCredential('rev-jti-1', clock.now() + 600_000);
    const seen = witness(upstream);
    assertRefused(await get(t), seen, { status: 401, error: 'invalid_token', reached: false, notEchoing: t });
    assert.equal((await get(other)).status, 200);
    assert.equal(seen.since(), 1);
  });
});
