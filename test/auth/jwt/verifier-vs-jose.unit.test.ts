/**
 * Differential test: Gatehouse's hand-written JWT verifier (the fast path) against
 * jose's `jwtVerify` (the reference), configured alike, on the same tokens. For every
 * token both must accept or both refuse; a refusal's reasons may differ in grain, and
 * how they map is written down (REASON_TO_JOSE) and checked. Where Gatehouse is
 * stricter by design (a rule jose lacks), the case says why and the test asserts that
 * exact split: Gatehouse refuses, jose accepts. Gatehouse never accepts what jose refuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateTestKeys } from '../../helpers/keys.js';
import { differentialCases, type DifferentialCase } from './differential-cases.js';
import { buildPair, REASON_TO_JOSE, type Pair, type SetupName } from './differential-setups.js';

const keys = await generateTestKeys();
const cases: DifferentialCase[] = await differentialCases(keys);
const pairs = new Map<SetupName, Pair>();

before(async () => {
  for (const name of ['asymmetric', 'edges', 'typed', 'hmac'] as const)
    pairs.set(name, await buildPair(name, keys));
});
after(() => {
  for (const pair of pairs.values()) pair.stop();
});

function pairFor(setup: SetupName): Pair {
  const pair = pairs.get(setup);
  if (!pair) throw new Error(`no setup ${setup}`);
  return pair;
}

describe('JWT verifier agrees with jose.jwtVerify', () => {
  for (const c of cases) {
    it(`${c.setup}: ${c.name}`, async () => {
      const pair = pairFor(c.setup);
      const [ours, theirs] = await Promise.all([pair.gatehouse(c.token), pair.jose(c.token)]);
      const shown = `gatehouse ${ours.ok ? 'accepts' : `refuses (${ours.why})`}, jose ${theirs.ok ? 'accepts' : `refuses (${theirs.why})`}`;
      if (c.gatehouseStricter !== undefined) {
        assert.ok(
          !ours.ok && theirs.ok,
          `documented split (${c.gatehouseStricter}) no longer holds: ${shown}`,
        );
        return;
      }
      assert.equal(ours.ok, theirs.ok, shown);
      if (!ours.ok && !theirs.ok)
        assert.ok(
          (REASON_TO_JOSE[ours.why] ?? []).includes(theirs.why),
          `refusal reasons outside the documented mapping: ${shown}`,
        );
    });
  }

  it('the corpus has tokens both accept and tokens both refuse in every setup', async () => {
    for (const setup of ['asymmetric', 'edges', 'typed', 'hmac'] as const) {
      const pair = pairFor(setup);
      const answers = await Promise.all(
        cases
          .filter((c) => c.setup === setup && c.gatehouseStricter === undefined)
          .map((c) => pair.jose(c.token)),
      );
      assert.ok(answers.some((a) => a.ok) && answers.some((a) => !a.ok), setup);
    }
    assert.equal(cases.filter((c) => c.gatehouseStricter !== undefined).length, 6, 'documented splits');
  });
});
