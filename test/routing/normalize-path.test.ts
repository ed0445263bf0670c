import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizePath, parseRequestTarget } from '../../src/routing/normalize-path.js';

describe('normalizePath', () => {
  const cases: [string, string | null][] = [
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['/a/b/', '/a/b/'],
    ['/a//b', '/a/b'],
    ['//a///b//', '/a/b/'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/../c', '/a/c'],
    ['/a/%2e%2e/c', '/c'],
    ['/a/%2E%2e/c', '/c'],
    ['/a/.%2e/c', '/c'],
    ['/a/%2e/c', '/a/c'],
    ['/%61pi', '/api'],
    ['/a%7eb', '/a~b'],
    ['/a%20b', '/a%20b'],
    ['/a%c3%a9', '/a%C3%A9'],
    ['/..', null],
    ['/a/../..', null],
    ['/%2e%2e/etc', null],
    ['/a%2fb', null],
    ['/a%2Fb', null],
    ['/a%5cb', null],
    ['/a\\b', null],
    ['/a%00b', null],
    ['/a%0d%0ab', null],
    ['/a%zz', null],
    ['/a%4', null],
    ['/a#b', null],
    ['/a/%252e%252e/b', null],
    ['/a/%252E%252e/b', null],
    ['/a/..%252fb', null],
    ['/a/..%252Fb', null],
    ['/a/..%255cb', null],
    ['/a%2500', null],
    ['/a%251F', null],
    ['/a%257f', null],
    ['/a/%25252e%25252e/b', null],
    ['/a/%25%32%65%25%32%45/b', null],
    ['/a%2541', '/a%2541'],
    ['/50%25off', '/50%25off'],
    ['/a%252', '/a%252'],
    ['a/b', null],
    ['*', null],
    ['http://evil.example/a', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizePath(input), expected);
    });
  }

  it('keeps the query string untouched, including escapes and dots', () => {
    assert.deepEqual(parseRequestTarget('/a/../b?x=%2e%2e/../&y=1'), {
      path: '/b',
      query: '?x=%2e%2e/../&y=1',
    });
    assert.deepEqual(parseRequestTarget('/a?'), { path: '/a', query: '?' });
    assert.equal(parseRequestTarget('/../a?x'), null);
  });

  it('returns the same string (no copy) for already-normal paths', () => {
    const path = '/public/api/v1/svc/predict';
    assert.equal(normalizePath(path), path);
  });
});
