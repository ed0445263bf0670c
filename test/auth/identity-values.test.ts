/**
 * What the upstream is told is exactly what was authorized (issue #8): a token whose
 * subject, groups or scopes could be read differently by the upstream is refused, and
 * X-Auth-Groups / X-Auth-Scopes encode each value so that "split on ',' then
 * percent-decode" gives back exactly the list Gatehouse authorized. Through the real
 * gateway: every refusal asserts the status, the JSON code and that the upstream was
 * not reached.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/auth/api-key-hash.js';
import { ManualClock } from '../../src/clock.js';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { generateHmacSecret, type TestHmacSecret } from '../helpers/keys.js';
import { readMetric } from '../helpers/metrics.js';
import { signToken, type Json } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const API = 'https://api.gatehouse.test';
const ISSUER = 'https://hs.issuer.test';
const KEY_COMMA = 'ghk_identityValuesCommaKeyAAAAAAAAAAAAAAAAAAAAA';

/** The exact inverse of the documented encoding (docs/authentication.md). */
function parseList(header: string | string[] | undefined): string[] {
  assert.equal(typeof header, 'string', 'one header line');
  return (header as string).split(',').map((part) => decodeURIComponent(part));
}

describe('identity values reaching the upstream', () => {
  const clock = new ManualClock(NOW);
  let hs: TestHmacSecret;
  let upstream: TestUpstream;
  let gh: TestGatehouse;

  const token = (claims: Json): Promise<string> => {
    const now = Math.floor(clock.now() / 1000);
    return signToken(
      { alg: 'HS256', typ: 'JWT' },
      { iss: ISSUER, aud: API, sub: 'alice', iat: now, exp: now + 600, ...claims },
      hs,
    );
  };

  const pass = async (path: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> => {
    const count = upstream.requests.length;
    const res = await send(gh.url, path, { headers });
    assert.equal(res.status, 200, `${path}: ${res.text.slice(0, 300)}`);
    assert.equal(upstream.requests.length, count + 1, 'the upstream was reached once');
    return upstream.requests.at(-1)?.headers ?? {};
  };

  const refused = async (path: string, claims: Json, what: string, reason: string): Promise<void> => {
    const labels = { deployment: 'jwt', outcome: 'rejected', reason };
    const before = (await readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', labels)) ?? 0;
    const seen = witness(upstream);
    const res = await send(gh.url, path, { headers: { authorization: `Bearer ${await token(claims)}` } });
    assertRefused(res, seen, { status: 401, error: 'invalid_token', reached: false });
    assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/, what);
    assert.equal(
      await readMetric(gh.adminUrl, 'gatehouse_auth_outcomes_total', labels),
      before + 1,
      `${what}: counted once as ${reason}`,
    );
  };

  before(async () => {
    hs = generateHmacSecret('hs-1');
    upstream = await startUpstream('api');
    const jwt = (extra: ConfigObject = {}): ConfigObject => ({
      methods: ['jwt'],
      jwt: { providers: ['hs'] },
      ...extra,
    });
    gh = await startGatehouse(
      {
        providers: [
          { id: 'hs', type: 'hmac', issuer: ISSUER, audiences: [API], secrets: [{ secret: hs.secret }] },
        ],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [{ id: 'api', versions: [{ id: 'v1', auth: jwt() }] }],
        deployments: [
          { id: 'jwt', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/jwt' },
          {
            id: 'admins-only',
            service: 'api',
            version: 'v1',
            infrastructure: 'infra',
            basePath: '/admins',
            auth: jwt({ require: { groups: { anyOf: ['admins'] } } }),
          },
          {
            id: 'keys',
            service: 'api',
            version: 'v1',
            infrastructure: 'infra',
            basePath: '/keys',
            auth: {
              methods: ['apiKeys'],
              apiKeys: {
                keys: [
                  {
                    id: 'comma-key',
                    hash: hashApiKey(KEY_COMMA),
                    groups: ['users,admins', 'Domain Users', '100%'],
                    scopes: ['orders:read,orders:write', 'a%2Cb'],
                  },
                ],
              },
            },
          },
        ],
      },
      { clock },
    );
  });

  after(async () => {
    await gh.stop();
    await upstream.close();
  });

  describe('subject', () => {
    const bad: [string, Json][] = [
      ['empty sub', { sub: '' }],
      ['sub 0', { sub: 0 }],
      ['sub null', { sub: null }],
      ['sub {}', { sub: {} }],
      ['sub true', { sub: true }],
      ['sub ["alice"]', { sub: ['alice'] }],
      ['no sub', { sub: undefined }],
      ['leading space', { sub: ' alice' }],
      ['trailing space', { sub: 'alice ' }],
      ['trailing newline', { sub: 'alice\n' }],
      ['NUL inside', { sub: 'ali\u0000ce' }],
      ['CR LF inside', { sub: 'alice\r\nX-Auth-Subject: admin' }],
      ['DEL', { sub: 'alice\u007f' }],
      ['C1 control (NEL)', { sub: 'alice\u0085x' }],
      ['tab', { sub: 'al\tice' }],
      ['no-break space at the end', { sub: 'alice\u00a0' }],
      ['lone surrogate', { sub: 'alice\ud800' }],
    ];
    for (const [what, claims] of bad)
      it(`refuses a token whose subject is unusable (${what}): 401 invalid_token, upstream not reached`, () =>
        refused('/jwt/x', claims, what, 'invalid_subject'));

    it('admits a subject with inner spaces and non-ASCII letters, forwarded as itself', async () => {
      const seen = await pass('/jwt/x', { authorization: `Bearer ${await token({ sub: 'Zoë de Vries' })}` });
      assert.equal(decodeURIComponent(String(seen['x-auth-subject'])), 'Zoë de Vries');
    });
  });

  describe('groups and scopes from a JWT', () => {
    it('a group containing "," stays one group: encoded as %2C, and it is not "admins"', async () => {
      const t = await token({ groups: ['users,admins', 'ops'] });
      const seen = await pass('/jwt/x', { authorization: `Bearer ${t}` });
      assert.equal(seen['x-auth-groups'], 'users%2Cadmins,ops');
      assert.deepEqual(parseList(seen['x-auth-groups']), ['users,admins', 'ops']);
      const before = witness(upstream);
      const res = await send(gh.url, '/admins/x', { headers: { authorization: `Bearer ${t}` } });
      assertRefused(res, before, { status: 403, error: 'forbidden', reached: false });
    });

    it('a single-string groups claim with "," is one group', async () => {
      const seen = await pass('/jwt/x', {
        authorization: `Bearer ${await token({ groups: 'users,admins' })}`,
      });
      assert.equal(seen['x-auth-groups'], 'users%2Cadmins');
      assert.deepEqual(parseList(seen['x-auth-groups']), ['users,admins']);
    });

    it('"%", spaces and non-ASCII in groups are percent-encoded so the list decodes exactly', async () => {
      const groups = ['100%', 'Domain Users', 'Ärzte', 'a%2Cb'];
      const seen = await pass('/jwt/x', { authorization: `Bearer ${await token({ groups })}` });
      assert.equal(seen['x-auth-groups'], '100%25,Domain%20Users,%C3%84rzte,a%252Cb');
      assert.deepEqual(parseList(seen['x-auth-groups']), groups);
    });

    it('scopes with "," from an `scp` array and from a `scope` string stay whole', async () => {
      const fromScp = await pass('/jwt/x', {
        authorization: `Bearer ${await token({ scp: ['orders:read,orders:write', 'x'] })}`,
      });
      assert.equal(fromScp['x-auth-scopes'], 'orders:read%2Corders:write,x');
      assert.deepEqual(parseList(fromScp['x-auth-scopes']), ['orders:read,orders:write', 'x']);
      const fromScope = await pass('/jwt/x', {
        authorization: `Bearer ${await token({ scope: 'orders:read,orders:write  x' })}`,
      });
      assert.deepEqual(parseList(fromScope['x-auth-scopes']), ['orders:read,orders:write', 'x']);
    });

    const badGroups: [string, Json][] = [
      ['trailing space in an array', { groups: ['staff', 'admins '] }],
      ['NUL in an array', { groups: ['admins\u0000'] }],
      ['leading space in a string', { groups: ' admins' }],
      ['newline in a string', { groups: 'admins\n' }],
      ['tab inside', { groups: ['adm\tins'] }],
    ];
    for (const [what, claims] of badGroups)
      it(`refuses a token with an unforwardable group (${what}): 401 invalid_token, upstream not reached`, () =>
        refused('/jwt/x', claims, what, 'invalid_groups'));

    const badScopes: [string, Json][] = [
      ['trailing space in an scp array', { scp: ['read '] }],
      ['NUL in an scp array', { scp: ['admin:*\u0000'] }],
      ['NUL in a scope string', { scope: 'read admins\u0000' }],
      ['tab in a scope string', { scope: 'read\twrite' }],
      ['CR LF in a scope string', { scope: 'read\r\nwrite' }],
    ];
    for (const [what, claims] of badScopes)
      it(`refuses a token with an unforwardable scope (${what}): 401 invalid_token, upstream not reached`, () =>
        refused('/jwt/x', claims, what, 'invalid_scopes'));
  });

  describe('API keys from the configuration', () => {
    it('groups and scopes with "," "%" and spaces reach the upstream encoded, exactly decodable', async () => {
      const seen = await pass('/keys/x', { 'x-api-key': KEY_COMMA });
      assert.equal(seen['x-auth-subject'], 'apikey:comma-key');
      assert.equal(seen['x-auth-groups'], 'users%2Cadmins,Domain%20Users,100%25');
      assert.deepEqual(parseList(seen['x-auth-groups']), ['users,admins', 'Domain Users', '100%']);
      assert.deepEqual(parseList(seen['x-auth-scopes']), ['orders:read,orders:write', 'a%2Cb']);
    });

    const badKeyValues: [string, ConfigObject, RegExp][] = [
      ['a group with a trailing space', { groups: ['admins '] }, /keys\[0\]\.groups\[0\]/],
      ['a group with NUL', { groups: ['admins\u0000'] }, /keys\[0\]\.groups\[0\]/],
      ['a scope with a space', { scopes: ['read write'] }, /keys\[0\]\.scopes\[0\]/],
      ['a scope with a control character', { scopes: ['read\u0001'] }, /keys\[0\]\.scopes\[0\]/],
    ];
    for (const [what, extra, path] of badKeyValues)
      it(`refuses a configuration whose API key has ${what}, naming the key path`, async () => {
        const config: ConfigObject = {
          infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
          services: [
            {
              id: 'api',
              versions: [
                {
                  id: 'v1',
                  auth: {
                    methods: ['apiKeys'],
                    apiKeys: { keys: [{ id: 'k', hash: hashApiKey(KEY_COMMA), ...extra }] },
                  },
                },
              ],
            },
          ],
        };
        await assert.rejects(startGatehouse(config), (err: Error) => {
          assert.equal(err.name, 'ConfigError');
          assert.match(err.message, path);
          return true;
        });
      });
  });
});
