/**
 * The GCRA decision and the RateLimit header values as pure functions, with explicit
 * times (no clock, no timing): burst, steady rate, all-or-nothing across limits, and
 * what the headers say before and after a refusal, and a clock stepping back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS } from '../../src/auth/types.js';
import { LocalGcra } from '../../src/policy/gcra.js';
import { limitHits } from '../../src/policy/limit-keys.js';
import { compileDeploymentLimits } from '../../src/policy/rate-spec.js';
import { renderRateLimit } from '../../src/policy/ratelimit-headers.js';

const limits = (list: { by: string; rate: string; burst?: number }[]) =>
  compileDeploymentLimits(
    list.map((l) => ({ ...l, overrides: [], onStoreError: 'allow' as const })),
    undefined,
  );

describe('GCRA', () => {
  const req = { headers: { 'x-tenant': 'acme' } } as never;
  const address = () => '192.0.2.9';

  it('allows the burst at once, then one request per interval', () => {
    const spec = limits([{ by: 'deployment', rate: '10/s', burst: 3 }]);
    assert.ok(spec?.beforeAuth);
    const gcra = new LocalGcra();
    const hits = limitHits('d', spec.specs, req, ANONYMOUS, address);
    const t0 = 1_000_000;
    const at = (ms: number) => (gcra.check(hits, t0 + ms)[0] ?? 0) >= 0;
    assert.deepEqual([at(0), at(0), at(0), at(0)], [true, true, true, false]);
    assert.equal(at(99), false, 'not before one interval (100 ms) has passed');
    assert.equal(at(100), true);
    assert.equal(at(100), false);
    assert.deepEqual(
      [at(400), at(400), at(400), at(400)],
      [true, true, true, false],
      'full again after 3 intervals',
    );
  });

  it('charges every limit or none: a refusal by one leaves the others untouched', () => {
    const spec = limits([
      { by: 'header:X-Tenant', rate: '100/s', burst: 5 },
      { by: 'clientIp', rate: '1/h', burst: 1 },
    ]);
    const gcra = new LocalGcra();
    const hits = limitHits('d', spec?.specs ?? [], req, ANONYMOUS, address);
    assert.equal(hits.length, 2);
    assert.notEqual(hits[0]?.key.includes('acme'), true, 'header values are hashed into the key');
    const first = gcra.check(hits, 0);
    assert.ok(first.every((v) => v >= 0));
    const second = gcra.check(hits, 0);
    assert.ok((second[1] ?? 0) < 0, 'the client limit refuses');
    const headers = renderRateLimit(hits, second);
    assert.deepEqual(headers.refusedBy, ['clientIp']);
    assert.equal(headers.retryAfterSec, 3600);
    assert.equal(headers.policy, '"header-X-Tenant";q=100;w=1, "clientIp";q=1;w=3600');
    // The tenant limit was not charged by the refused request: 4 of 5 left, not 3.
    assert.match(renderRateLimit(hits.slice(0, 1), gcra.check(hits.slice(0, 1), 0)).state, /r=3;/);
  });

  it('a clock stepping back never makes a wait longer than a full bucket earns', () => {
    const spec = limits([{ by: 'deployment', rate: '1/h', burst: 2 }]);
    const gcra = new LocalGcra();
    const hits = limitHits('d', spec?.specs ?? [], req, ANONYMOUS, address);
    const t0 = 1_700_000_000_000;
    assert.ok(gcra.check(hits, t0).every((v) => v >= 0));
    // The wall clock steps back a day (NTP, a restored VM): the bucket counts as empty,
    // not as a day and an hour ahead.
    const back = t0 - 86_400_000;
    const refused = gcra.check(hits, back);
    assert.equal(refused[0], -3_600_000);
    assert.equal(renderRateLimit(hits, refused).retryAfterSec, 3600);
    assert.ok((gcra.check(hits, back + 3_600_000)[0] ?? -1) >= 0, 'one interval later, one request fits');
  });

  it('needs the identity for subject, apiKey and claim limits: those run after authentication', () => {
    assert.equal(
      limits([
        { by: 'clientIp', rate: '1/s' },
        { by: 'apiKey', rate: '1/s' },
      ])?.beforeAuth,
      false,
    );
    assert.equal(limits([{ by: 'claim:tenant', rate: '1/s' }])?.beforeAuth, false);
    assert.equal(
      compileDeploymentLimits([], [{ by: 'apiKey', rate: '1/s', overrides: [], onStoreError: 'allow' }]),
      undefined,
    );
  });
});
