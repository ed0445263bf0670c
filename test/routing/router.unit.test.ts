/**
 * Routing as a table, from what the client sent (Host header and request target) to a
 * deployment or a refusal, composed as the data plane composes it: the target is split
 * and normalised (null → 400), the Host is normalised, then host and longest base-path
 * prefix decide (null → 400 ambiguous, undefined → 404).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestTarget } from '../../src/routing/normalize-path.js';
import { compileMethodPolicy, DEFAULT_METHOD_POLICY } from '../../src/routing/allowed-methods.js';
import { normalizeHost, Router } from '../../src/routing/router.js';

const router = new Router<string>([
  { host: undefined, basePath: '/api/svc', value: 'svc' },
  { host: undefined, basePath: '/api/svc/admin', value: 'svc-admin' },
  { host: undefined, basePath: '/api/svc2', value: 'svc2' },
  { host: undefined, basePath: '/files', value: 'files' },
  { host: 'api.example.com', basePath: '/api/svc', value: 'svc@api' },
  { host: 'api.example.com', basePath: '/', value: 'root@api' },
  { host: '*.tenants.example.com', basePath: '/t', value: 'tenant' },
  { host: '[::1]', basePath: '/v6', value: 'v6' },
]);

/** A deployment's name, or one of the refusals: 'refused: malformed path' (400), 'refused: ambiguous' (400), 'no deployment' (404). */
type Outcome = string;

function route(hostHeader: string | undefined, target: string): { outcome: Outcome; path?: string } {
  const parsed = parseRequestTarget(target);
  if (parsed === null) return { outcome: 'refused: malformed path' };
  const match = router.match(normalizeHost(hostHeader), parsed.path);
  if (match === null) return { outcome: 'refused: ambiguous' };
  if (match === undefined) return { outcome: 'no deployment' };
  return { outcome: match.value, path: parsed.path + parsed.query };
}

// prettier-ignore
const rows: [name: string, host: string | undefined, target: string, outcome: Outcome, upstreamPath?: string][] = [
  // longest prefix, by whole segments
  ['base path itself', undefined, '/api/svc', 'svc', '/api/svc'],
  ['below the base path', undefined, '/api/svc/predict', 'svc', '/api/svc/predict'],
  ['longer base path wins', undefined, '/api/svc/admin/users', 'svc-admin', '/api/svc/admin/users'],
  ['a string prefix is not a segment prefix', undefined, '/api/svcX', 'no deployment'],
  ['a shorter path matches nothing', undefined, '/api', 'no deployment'],
  ['root without a root route', undefined, '/', 'no deployment'],
  // trailing slashes and slash runs
  ['trailing slash', undefined, '/api/svc/', 'svc', '/api/svc/'],
  ['trailing slash on the longer base', undefined, '/api/svc/admin/', 'svc-admin', '/api/svc/admin/'],
  ['slash runs merge', undefined, '//api///svc//admin', 'svc-admin', '/api/svc/admin'],
  // case: paths are case-sensitive, hosts are not
  ['path case matters', undefined, '/API/svc', 'no deployment'],
  ['host case does not', 'API.Example.COM', '/api/svc/x', 'svc@api', '/api/svc/x'],
  // ports and trailing dots on the host
  ['host with a port', 'api.example.com:8443', '/api/svc', 'svc@api', '/api/svc'],
  ['host with a trailing dot', 'api.example.com.', '/other', 'root@api', '/other'],
  ['IPv6 host with a port', '[::1]:8080', '/v6/x', 'v6', '/v6/x'],
  // host first, then the host-less routes
  ['exact host over host-less', 'api.example.com', '/api/svc/admin', 'svc@api', '/api/svc/admin'],
  ['exact host root catches the rest', 'api.example.com', '/files/a', 'root@api', '/files/a'],
  ['unknown host falls back to host-less', 'other.example.com', '/files/a', 'files', '/files/a'],
  ['no Host header: host-less routes', undefined, '/files/a', 'files', '/files/a'],
  ['one-label wildcard', 'acme.tenants.example.com', '/t/1', 'tenant', '/t/1'],
  ['wildcard is one label only', 'a.b.tenants.example.com', '/t/1', 'no deployment'],
  ['wildcard does not match its own apex', 'tenants.example.com', '/t/1', 'no deployment'],
  ['wildcard host, path outside its routes, falls back', 'acme.tenants.example.com', '/files/x', 'files', '/files/x'],
  // the query is carried, never parsed
  ['query kept as sent', undefined, '/api/svc?a=1&b=%2F', 'svc', '/api/svc?a=1&b=%2F'],
  ['a ".." in the query is not a path', undefined, '/files?p=../../etc', 'files', '/files?p=../../etc'],
  // normalisation before matching
  ['unreserved escapes decoded', undefined, '/%61pi/svc', 'svc', '/api/svc'],
  ['dot segments resolved into another base path', undefined, '/api/svc2/../svc/admin', 'svc-admin', '/api/svc/admin'],
  ['encoded dots resolved the same', undefined, '/api/svc2/%2e%2e/svc', 'svc', '/api/svc'],
  // encoded paths refused
  ['encoded slash', undefined, '/api%2fsvc', 'refused: malformed path'],
  ['encoded backslash', undefined, '/api/svc%5c..%5cadmin', 'refused: malformed path'],
  ['raw backslash', undefined, '/api\\svc', 'refused: malformed path'],
  ['encoded NUL', undefined, '/api/svc%00', 'refused: malformed path'],
  ['double-encoded dot', undefined, '/api/svc/%252e%252e/admin', 'refused: malformed path'],
  ['malformed escape', undefined, '/api/svc/%zz', 'refused: malformed path'],
  ['climbing above the root', undefined, '/../api/svc', 'refused: malformed path'],
  ['dot segment with parameters', undefined, '/api/svc/..;/admin', 'refused: malformed path'],
  ['absolute-form target', undefined, 'http://evil.example/api/svc', 'refused: malformed path'],
  ['asterisk-form target', undefined, '*', 'refused: malformed path'],
  // ambiguity: ";" parameters on a segment that names a route without them
  ['parameters on a route segment', undefined, '/api/svc/admin;v=1/x', 'refused: ambiguous'],
  ['parameters on a non-route segment are data', undefined, '/api/svc/data;v=1', 'svc', '/api/svc/data;v=1'],
];

describe('routing a request, table', () => {
  for (const [name, host, target, outcome, upstreamPath] of rows) {
    it(name, () => {
      const routed = route(host, target);
      assert.equal(routed.outcome, outcome);
      assert.equal(routed.path, upstreamPath);
    });
  }
});

describe('normalizeHost', () => {
  // prettier-ignore
  const hosts: [string | undefined, string | undefined][] = [
    ['Example.COM', 'example.com'], ['example.com:80', 'example.com'], ['example.com.', 'example.com'],
    ['example.com.:80', 'example.com'], ['[::1]', '[::1]'], ['[::1]:443', '[::1]'], ['[::1', undefined],
    ['', undefined], [undefined, undefined],
  ];
  for (const [header, host] of hosts)
    it(`${String(header)} → ${String(host)}`, () => assert.equal(normalizeHost(header), host));
});

describe('method policy', () => {
  // prettier-ignore
  const rows: [listed: string[] | undefined, method: string, allowed: boolean][] = [
    [undefined, 'GET', true], [undefined, 'PROPFIND', true], [undefined, 'TRACE', false], [undefined, 'CONNECT', false],
    [['GET'], 'HEAD', true], [['GET'], 'POST', false], [['POST'], 'HEAD', false], [['POST'], 'post', false],
  ];
  for (const [listed, method, allowed] of rows)
    it(`${listed?.join(',') ?? 'default'}: ${method} ${allowed ? 'served' : '405'}`, () =>
      assert.equal(compileMethodPolicy(listed).allows(method), allowed));

  it('Allow lists the usual methods first, then the rest alphabetically', () => {
    assert.equal(
      compileMethodPolicy(['PURGE', 'DELETE', 'GET', 'LOCK']).allow,
      'GET, HEAD, DELETE, LOCK, PURGE',
    );
    assert.equal(compileMethodPolicy(undefined), DEFAULT_METHOD_POLICY);
  });
});
