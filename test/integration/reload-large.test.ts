/**
 * A reload of a large configuration gives the event loop back while it reads, validates
 * and compiles (issue #15: 10,000 deployments must not stall the running plan). Proved
 * without timing anything: the reload publishes every yield on a diagnostics channel and
 * each step must yield about once per CONFIG_SLICE deployments, while real requests sent
 * during the reload are answered by the running plan. How long a slice takes is measured
 * by bench/reload-stall.ts, not here.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { CONFIG_SLICE, RELOAD_YIELD_CHANNEL, type ReloadPhase } from '../../src/config/yield.js';
import { startGatehouse, type ConfigObject, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const DEPLOYMENTS = 1500;

/** DEPLOYMENTS public services; deployment 0 runs on `first`, the others on infra `a`. */
function large(first: 'a' | 'b', extra: ConfigObject = {}): ConfigObject {
  const ids = Array.from({ length: DEPLOYMENTS }, (_, i) => i);
  return {
    logging: { level: 'warn', accessLog: false },
    infrastructures: [
      { id: 'a', nodes: [upstreamA.url] },
      { id: 'b', nodes: [upstreamB.url] },
    ],
    services: ids.map((i) => ({ id: `svc${i}`, versions: [{ id: 'v1', auth: { methods: ['public'] } }] })),
    deployments: ids.map((i) => ({
      id: `dep${i}`,
      service: `svc${i}`,
      version: 'v1',
      infrastructure: i === 0 ? first : 'a',
      ...(i === 1234 ? extra : {}),
    })),
  };
}

let upstreamA: TestUpstream;
let upstreamB: TestUpstream;

describe(`reload of ${DEPLOYMENTS} deployments`, () => {
  let gh: TestGatehouse;

  before(async () => {
    const answer = (name: string) => (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.end(name);
    };
    upstreamA = await startUpstream('a', answer('a'));
    upstreamB = await startUpstream('b', answer('b'));
    gh = await startGatehouse(large('a'));
  });
  after(async () => {
    await gh.stop();
    await Promise.all([upstreamA.close(), upstreamB.close()]);
  });

  it('yields while reading, validating and compiling, and serves the running plan meanwhile', async () => {
    const yields: Record<ReloadPhase, number> = { read: 0, validate: 0, compile: 0 };
    const onYield = (message: unknown): void => {
      yields[(message as { phase: ReloadPhase }).phase]++;
    };
    gh.writeConfig(large('b'));
    subscribe(RELOAD_YIELD_CHANNEL, onYield);
    let done = false;
    const during: string[] = [];
    try {
      const reload = gh.gatehouse.reload('test').finally(() => (done = true));
      // Requests one after the other while the reload runs: each needs the event loop.
      while (!done) {
        const answer = await send(gh.url, '/public/api/v1/svc0/x');
        if (!done) during.push(`${answer.status} ${answer.text}`);
      }
      const result = await reload;
      assert.equal(result.ok && result.changed, true);
    } finally {
      unsubscribe(RELOAD_YIELD_CHANNEL, onYield);
    }
    // Each step yields about once per slice: no step handles the whole file in one go.
    const slices = Math.floor(DEPLOYMENTS / CONFIG_SLICE);
    assert.ok(yields.read >= slices, `read yielded ${yields.read} times`);
    assert.ok(yields.validate >= slices, `validate yielded ${yields.validate} times`);
    assert.ok(yields.compile >= slices - 1, `compile yielded ${yields.compile} times`);
    assert.ok(during.length > 0, 'no request was answered during the reload');
    assert.deepEqual([...new Set(during)], ['200 a'], 'the running plan served every request');
    assert.equal((await send(gh.url, '/public/api/v1/svc0/x')).text, 'b');
  });

  it('refuses a bad deployment deep in the file at its key path and keeps the running plan', async () => {
    gh.writeConfig(large('a', { version: 'v9', colour: 'red' }));
    const result = await gh.gatehouse.reload('test');
    assert.equal(result.ok, false);
    assert.deepEqual(
      !result.ok && result.issues?.map((i) => i.path),
      ['deployments[1234]'],
      JSON.stringify(!result.ok && result.issues),
    );
    assert.equal((await send(gh.url, '/public/api/v1/svc0/x')).text, 'b');
  });
});
