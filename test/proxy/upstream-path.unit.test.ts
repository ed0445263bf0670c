import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileUpstreamPath } from '../../src/proxy/upstream-path.js';

describe('the compiled upstream path rule (unit)', () => {
  const cases: readonly [basePath: string, strip: boolean, path: string, query: string, expected: string][] =
    [
      ['/api', false, '/api/x', '', '/api/x'],
      ['/api', false, '/api', '?q=1', '/api?q=1'],
      ['/api', true, '/api/x/y', '?q=1', '/x/y?q=1'],
      ['/api', true, '/api', '', '/'],
      ['/api', true, '/api', '?q=1', '/?q=1'],
      ['/api/v1', true, '/api/v1/', '', '/'],
      ['/', true, '/x', '?a', '/x?a'],
      ['/', false, '/', '', '/'],
    ];
  for (const [basePath, strip, path, query, expected] of cases)
    it(`${basePath} strip=${String(strip)}: ${path}${query} → ${expected}`, () => {
      assert.equal(compileUpstreamPath(basePath, strip)({ path, query }), expected);
    });
});
