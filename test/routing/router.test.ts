import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateRouteError, normalizeHost, Router } from '../../src/routing/router.js';

describe('Router', () => {
  const router = new Router<string>([
    { host: undefined, basePath: '/public/api/v1/svc', value: 'svc' },
    { host: undefined, basePath: '/public/api/v1/svc/admin', value: 'svc-admin' },
    { host: undefined, basePath: '/public/api/v1/svc2', value: 'svc2' },
    { host: 'api.example.com', basePath: '/public/api/v1/svc', value: 'svc-on-host' },
    { host: '*.tenants.example.com', basePath: '/', value: 'tenant-root' },
    { host: 'root.example.com', basePath: '/', value: 'root' },
  ]);
  const match = (host: string | undefined, path: string) => router.match(host, path)?.value;

  it('matches the longest base-path prefix segment by segment', () => {
    assert.equal(match(undefined, '/public/api/v1/svc'), 'svc');
    assert.equal(match(undefined, '/public/api/v1/svc/'), 'svc');
    assert.equal(match(undefined, '/public/api/v1/svc/predict'), 'svc');
    assert.equal(match(undefined, '/public/api/v1/svc/admin/x'), 'svc-admin');
    assert.equal(match(undefined, '/public/api/v1/svc2/x'), 'svc2');
  });

  it('never matches a base path as a string prefix of another segment', () => {
    assert.equal(match(undefined, '/public/api/v1/svcX'), undefined);
    assert.equal(match(undefined, '/public/api/v1/sv'), undefined);
    assert.equal(match(undefined, '/public/api/v1'), undefined);
    assert.equal(match(undefined, '/'), undefined);
  });

  it('prefers exact host, then one-label wildcard host, then host-less routes', () => {
    assert.equal(match('api.example.com', '/public/api/v1/svc/x'), 'svc-on-host');
    assert.equal(match('api.example.com', '/public/api/v1/svc2/x'), 'svc2');
    assert.equal(match('other.example.com', '/public/api/v1/svc/x'), 'svc');
    assert.equal(match('a.tenants.example.com', '/anything'), 'tenant-root');
    assert.equal(match('a.b.tenants.example.com', '/anything'), undefined);
    assert.equal(match('tenants.example.com', '/anything'), undefined);
    assert.equal(match('root.example.com', '/x/y'), 'root');
  });

  it('refuses two routes for the same host and base path', () => {
    assert.throws(
      () =>
        new Router([
          { host: undefined, basePath: '/a', value: 1 },
          { host: undefined, basePath: '/a', value: 2 },
        ]),
      DuplicateRouteError,
    );
    assert.doesNotThrow(
      () =>
        new Router([
          { host: 'x.example', basePath: '/a', value: 1 },
          { host: undefined, basePath: '/a', value: 2 },
        ]),
    );
  });

  it('matches among 10,000 routes', () => {
    const big = new Router(
      Array.from({ length: 10_000 }, (_, i) => ({
        host: undefined,
        basePath: `/public/api/v1/svc${i}`,
        value: i,
      })),
    );
    assert.equal(big.match(undefined, '/public/api/v1/svc9999/predict')?.value, 9999);
    assert.equal(big.match(undefined, '/public/api/v1/svc10000/predict'), undefined);
  });
});

describe('normalizeHost', () => {
  it('lower-cases and drops the port and trailing dot', () => {
    assert.equal(normalizeHost('API.Example.com:8080'), 'api.example.com');
    assert.equal(normalizeHost('api.example.com.'), 'api.example.com');
    assert.equal(normalizeHost('[::1]:8080'), '[::1]');
    assert.equal(normalizeHost(undefined), undefined);
    assert.equal(normalizeHost(''), undefined);
  });
});
