/**
 * A reload validates a large file in slices (config/load-sliced.ts: the YAML in a worker
 * thread, the long lists item by item); check-config's synchronous parse validates it in
 * one go. Both must give the same verdict, issue for issue, at the same key paths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { parseConfigTextSliced } from '../../src/config/load-sliced.js';
import { parseConfigText } from '../../src/config/load.js';
import { OFF_THREAD_MIN_CHARS } from '../../src/config/yaml-off-thread.js';

const COUNT = 1200;
const options = { source: 'big.yaml', baseDir: '/nonexistent', env: {} };

function bigFile(broken: boolean): string {
  const ids = Array.from({ length: COUNT }, (_, i) => i);
  return stringify({
    infrastructures: [{ id: 'infra', nodes: ['http://127.0.0.1:1'] }],
    groups: ids.map((i) => ({ id: `g${i}`, ...(broken && i === 700 ? { global: ['root'] } : {}) })),
    services: ids.map((i) => ({
      id: `svc${i}`,
      versions: [{ id: 'v1', auth: { methods: broken && i === 3 ? ['nope'] : ['public'] } }],
    })),
    deployments: ids.map((i) => ({
      id: broken && i === 1100 ? 'dep5' : `dep${i}`,
      service: `svc${i}`,
      version: 'v1',
      infrastructure: 'infra',
      ...(broken && i === 999 ? { maxBodyBytes: -1 } : {}),
    })),
  });
}

describe('sliced validation of a large file', () => {
  it('accepts what the one-pass parse accepts, with the same configuration', async () => {
    const text = bigFile(false);
    assert.ok(text.length >= OFF_THREAD_MIN_CHARS, 'the file is large enough for the worker');
    const whole = parseConfigText(text, options);
    const sliced = await parseConfigTextSliced(text, options);
    assert.equal(whole.ok, true);
    assert.deepEqual(sliced, whole);
  });

  it('refuses what the one-pass parse refuses, issue for issue', async () => {
    const text = bigFile(true);
    const whole = parseConfigText(text, options);
    const sliced = await parseConfigTextSliced(text, options);
    assert.equal(whole.ok, false);
    assert.deepEqual(sliced, whole);
    assert.ok(!whole.ok && whole.issues.some((i) => i.path === 'deployments[999].maxBodyBytes'));
  });

  it('refuses a duplicate id found by the reference checks at the same key path', async () => {
    const text = bigFile(false).replace('id: dep1100\n', 'id: dep5\n');
    const sliced = await parseConfigTextSliced(text, options);
    assert.deepEqual(sliced, parseConfigText(text, options));
    assert.ok(!sliced.ok && sliced.issues.some((i) => i.path === 'deployments[1100].id'));
  });
});
