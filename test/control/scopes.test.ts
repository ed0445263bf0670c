/**
 * The control scopes' coverage rule against an independent oracle, for every subset of
 * a set of granted scopes (control scopes, their wildcards, and an unrelated data scope):
 * admin covers everything, deploy covers read, `gatehouse:*`, `*` and `admin:*` cover all,
 * nothing else covers anything it does not name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROL_SCOPES, scopeCovered, scopesBeyond, type ControlScope } from '../../src/control/scopes.js';

const GRANTABLE = [
  'gatehouse:read',
  'gatehouse:deploy',
  'gatehouse:admin',
  'gatehouse:tokens',
  'gatehouse:*',
  '*',
  'admin:*',
  'results:read',
] as const;

/** PRODUCT.md and the brief, spelled out: which granted scopes satisfy each control scope. */
const ORACLE: Record<ControlScope, (g: ReadonlySet<string>) => boolean> = {
  'gatehouse:read': (g) => ['gatehouse:read', 'gatehouse:deploy', 'gatehouse:admin'].some((s) => g.has(s)),
  'gatehouse:deploy': (g) => g.has('gatehouse:deploy') || g.has('gatehouse:admin'),
  'gatehouse:admin': (g) => g.has('gatehouse:admin'),
  'gatehouse:tokens': (g) => g.has('gatehouse:tokens') || g.has('gatehouse:admin'),
};
const wildcard = (g: ReadonlySet<string>) => g.has('gatehouse:*') || g.has('*') || g.has('admin:*');

function subsets<T>(items: readonly T[]): T[][] {
  return Array.from({ length: 2 ** items.length }, (_, mask) => items.filter((_, bit) => (mask >> bit) & 1));
}

describe('control scopes', () => {
  it(`agree with the oracle for all ${2 ** GRANTABLE.length} grants × ${CONTROL_SCOPES.length} scopes`, () => {
    const wrong: string[] = [];
    for (const subset of subsets(GRANTABLE)) {
      const granted = new Set<string>(subset);
      for (const scope of CONTROL_SCOPES) {
        const expected = ORACLE[scope](granted) || wildcard(granted);
        if (scopeCovered(granted, scope) !== expected)
          wrong.push(`[${subset.join(' ')}] → ${scope}: expected ${expected}`);
      }
    }
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} disagreements`);
  });

  it('other scopes follow the usual matching only (no implication outside gatehouse:)', () => {
    assert.equal(scopeCovered(new Set(['gatehouse:admin']), 'results:read'), false);
    assert.equal(scopeCovered(new Set(['results:*']), 'results:read'), true);
    assert.equal(
      scopeCovered(new Set(['gatehouse:admin']), 'gatehouse:*'),
      false,
      'a wildcard must be granted as such',
    );
    assert.equal(scopeCovered(new Set(['gatehouse:admin']), 'gatehouse:other'), false);
  });

  it('scopesBeyond: nothing for an unrestricted creator, the uncovered ones otherwise', () => {
    assert.deepEqual(scopesBeyond(undefined, ['anything', '*']), []);
    assert.deepEqual(
      scopesBeyond(new Set(['gatehouse:deploy', 'results:read']), [
        'gatehouse:read',
        'results:read',
        'results:write',
        'gatehouse:admin',
      ]),
      ['results:write', 'gatehouse:admin'],
    );
    assert.deepEqual(scopesBeyond(new Set(), ['results:read']), ['results:read']);
  });
});
