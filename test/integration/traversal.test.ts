/**
 * Path traversal and confusion: every request target is sent byte for byte on a raw
 * socket. Each one either reaches exactly the deployment whose base path prefixes the
 * normalised path, and that upstream receives the normalised path, or is refused
 * (400 bad_request, or 404 no_deployment when the normalised path has no deployment).
 * Never another deployment. Policy: docs/routing.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRefused, witness } from '../helpers/assertions.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { parseRawResponse, sendRaw, type RawResponse } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

type Expected =
  { readonly upstream: 'alpha' | 'beta' | 'admin'; readonly path: string } | { readonly refused: 400 | 404 };

const A = '/public/api/v1/alpha';
const B = '/public/api/v1/beta';

const CASES: [string, Expected][] = [
  // baseline
  [`${A}/x`, { upstream: 'alpha', path: `${A}/x` }],
  [`${B}/x`, { upstream: 'beta', path: `${B}/x` }],
  // dot segments are resolved first, then routed: the upstream gets the resolved path
  [`${A}/../beta/x`, { upstream: 'beta', path: `${B}/x` }],
  [`${A}/%2e%2e/beta/x`, { upstream: 'beta', path: `${B}/x` }],
  [`${A}/%2E%2E/beta/x`, { upstream: 'beta', path: `${B}/x` }],
  [`${A}/.%2e/beta/x`, { upstream: 'beta', path: `${B}/x` }],
  [`${A}/./x`, { upstream: 'alpha', path: `${A}/x` }],
  [`${A}/%2e/x`, { upstream: 'alpha', path: `${A}/x` }],
  [`${B}/../alpha/x`, { upstream: 'alpha', path: `${A}/x` }],
  [`${A}/x/..`, { upstream: 'alpha', path: `${A}/` }],
  [`${A}/..`, { refused: 404 }],
  [`${A}/../../../../etc/passwd`, { refused: 404 }],
  ['/../public/api/v1/alpha/x', { refused: 400 }],
  [`${A}/../../../../../x`, { refused: 400 }],
  // empty segments are merged before dot segments are resolved
  [`${A}//../beta`, { upstream: 'beta', path: B }],
  [`//public/api/v1/beta//x`, { upstream: 'beta', path: `${B}/x` }],
  // encoded separators, backslashes, control characters, fragments: refused
  [`${A}/%2E%2E%2fbeta`, { refused: 400 }],
  [`${A}/..%2fbeta`, { refused: 400 }],
  [`${A}/%2e%2e%2Fbeta/x`, { refused: 400 }],
  [`${A}%2f..%2fbeta`, { refused: 400 }],
  [`${A}\\..\\beta`, { refused: 400 }],
  [`${A}/..%5cbeta`, { refused: 400 }],
  [`${A}/%5c../beta`, { refused: 400 }],
  [`${A}/x%00`, { refused: 400 }],
  [`${A}/x%0d%0aX-Injected:%201`, { refused: 400 }],
  [`${A}/%zz`, { refused: 400 }],
  [`${A}#/../beta`, { refused: 400 }],
  // unreserved escapes are decoded (also in the base path), others kept in upper case
  [`/public/api/v1/%61lpha/x`, { upstream: 'alpha', path: `${A}/x` }],
  [`/public/api/v1/%62%65%74%61/x`, { upstream: 'beta', path: `${B}/x` }],
  [`${A}/a%20b%c3%a9`, { upstream: 'alpha', path: `${A}/a%20b%C3%A9` }],
  // double-encoded dots, separators and control characters are refused like their
  // single-encoded forms: an upstream that decodes once more would climb into "beta"
  [`${A}/%252e%252e/beta/x`, { refused: 400 }],
  [`${A}/%252E%252E/beta/x`, { refused: 400 }],
  [`${A}/..%252fbeta/x`, { refused: 400 }],
  [`${A}/%252e%252e%252fbeta`, { refused: 400 }],
  [`${A}/..%255Cbeta`, { refused: 400 }],
  [`${A}/x%2500`, { refused: 400 }],
  [`${A}/x%250d%250a`, { refused: 400 }],
  [`${A}/%25252e%25252e/beta/x`, { refused: 400 }],
  [`${A}/%25%32%65%25%32%65/beta/x`, { refused: 400 }],
  // other double escapes are not decoded twice and stay as sent
  [`${A}/100%2541`, { upstream: 'alpha', path: `${A}/100%2541` }],
  [`${A}/50%25off`, { upstream: 'alpha', path: `${A}/50%25off` }],
  // overlong UTF-8 "." is not a dot
  [`${A}/%c0%ae%c0%ae/beta`, { upstream: 'alpha', path: `${A}/%C0%AE%C0%AE/beta` }],
  // ";" path parameters: dot segments with parameters are refused (Servlet containers
  // resolve "..;" as ".."); parameters elsewhere are part of the segment
  [`${A}/..;/beta/x`, { refused: 400 }],
  [`${A}/..;jsessionid=1/beta/x`, { refused: 400 }],
  [`${A}/%2e%2e;/beta/x`, { refused: 400 }],
  [`${A}/.;/x`, { refused: 400 }],
  [`${A}/x;v=1/y`, { upstream: 'alpha', path: `${A}/x;v=1/y` }],
  [`${A}/x/..;`, { refused: 400 }],
  [`${A}/...;/x`, { upstream: 'alpha', path: `${A}/...;/x` }],
  // a parameter on a segment that names a route segment is ambiguous: refused, so a
  // backend that drops parameters cannot be reached past the nested deployment's gate
  [`${A}/admin;v=1/users`, { refused: 400 }],
  [`/public/api/v1/alpha;v=1/x`, { refused: 400 }],
  [`${A}/admin/users;v=1`, { upstream: 'admin', path: `${A}/admin/users;v=1` }],
  [`${A}/administrator;v=1`, { upstream: 'alpha', path: `${A}/administrator;v=1` }],
  // base paths match case-sensitively and on whole segments
  ['/public/api/v1/ALPHA/x', { refused: 404 }],
  ['/public/api/v1/alphabeta/x', { refused: 404 }],
  // queries are not part of routing and are forwarded untouched
  [`${A}/x?next=/../beta&p=%2e%2e%2f`, { upstream: 'alpha', path: `${A}/x?next=/../beta&p=%2e%2e%2f` }],
  [`${A}/x?`, { upstream: 'alpha', path: `${A}/x?` }],
  // only origin-form targets are accepted
  [`http://127.0.0.1${A}/x`, { refused: 400 }],
  [`http://evil.example${B}/x`, { refused: 400 }],
  ['*', { refused: 400 }],
  [`${A.slice(1)}/x`, { refused: 400 }],
];

describe('path traversal and confusion', () => {
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let admin: TestUpstream;
  let gh: TestGatehouse;

  before(async () => {
    [alpha, beta, admin] = await Promise.all([
      startUpstream('alpha'),
      startUpstream('beta'),
      startUpstream('admin'),
    ]);
    const version = [{ id: 'v1', auth: { methods: ['public'] } }];
    gh = await startGatehouse({
      infrastructures: [
        { id: 'ia', nodes: [alpha.url] },
        { id: 'ib', nodes: [beta.url] },
        { id: 'ic', nodes: [admin.url] },
      ],
      services: [
        { id: 'alpha', versions: version },
        { id: 'beta', versions: version },
      ],
      deployments: [
        { id: 'alpha', service: 'alpha', version: 'v1', infrastructure: 'ia' },
        { id: 'beta', service: 'beta', version: 'v1', infrastructure: 'ib' },
        { id: 'admin', service: 'alpha', version: 'v1', infrastructure: 'ic', basePath: `${A}/admin` },
      ],
    });
  });
  after(async () => {
    await gh.stop();
    await Promise.all([alpha.close(), beta.close(), admin.close()]);
  });

  async function get(target: string, method = 'GET'): Promise<RawResponse> {
    return parseRawResponse(
      await sendRaw(
        gh.url,
        `${method} ${target} HTTP/1.1\r\nHost: gatehouse.test\r\nConnection: close\r\n\r\n`,
      ),
    );
  }

  const upstreams = (): Record<string, TestUpstream> => ({ alpha, beta, admin });
  const counts = (): number[] => Object.values(upstreams()).map((u) => u.requests.length);

  for (const [target, expected] of CASES) {
    const label =
      'refused' in expected
        ? `refused ${expected.refused}`
        : `${expected.upstream} receives ${expected.path}`;
    it(`${JSON.stringify(target)} → ${label}`, async () => {
      const before = counts();
      const seen = witness(alpha, beta, admin);
      const res = await get(target, target === '*' ? 'OPTIONS' : 'GET');
      if ('refused' in expected) {
        const error = expected.refused === 400 ? 'bad_request' : 'no_deployment';
        assertRefused(res, seen, { status: expected.refused, error, reached: false });
        return;
      }
      assert.equal(res.status, 200, res.body);
      const reached = upstreams()[expected.upstream] as TestUpstream;
      const delta = counts().map((n, i) => n - (before[i] ?? 0));
      assert.deepEqual(
        delta,
        Object.keys(upstreams()).map((name) => (name === expected.upstream ? 1 : 0)),
        'exactly the expected upstream was reached',
      );
      assert.equal(reached.requests.at(-1)?.url, expected.path);
    });
  }
});
