import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { deferred, waitFor } from '../helpers/async.js';
import { publicDeployment, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { send } from '../helpers/http.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

/** Answers at once, or holds requests to /hold until `release` resolves. */
function holdingHandler(release: () => Promise<void>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    if (req.url?.includes('/hold')) void release().then(() => res.end('held'));
    else res.end('fast');
  };
}

describe('load balancing', () => {
  let nodes: TestUpstream[];
  let releaseHeld = deferred();

  before(async () => {
    nodes = await Promise.all(
      ['n0', 'n1', 'n2'].map((name) =>
        startUpstream(
          name,
          holdingHandler(() => releaseHeld.promise),
        ),
      ),
    );
  });
  after(async () => {
    releaseHeld.resolve();
    await Promise.all(nodes.map((n) => n.close()));
  });

  const counts = (): number[] => nodes.map((n) => n.requests.length);
  const delta = (before: number[]): number[] => counts().map((n, i) => n - (before[i] ?? 0));

  async function sequential(gh: TestGatehouse, count: number, path = '/api/x'): Promise<void> {
    for (let i = 0; i < count; i++) {
      const res = await send(gh.url, path);
      assert.equal(res.status, 200);
    }
  }

  it('round-robin spreads requests evenly over three nodes', async () => {
    const gh = await startGatehouse(
      publicDeployment(
        nodes.map((n) => n.url),
        { deployment: { basePath: '/api' } },
      ),
    );
    try {
      const before = counts();
      await sequential(gh, 30);
      assert.deepEqual(delta(before), [10, 10, 10]);
    } finally {
      await gh.stop();
    }
  });

  it('round-robin with weights 3:1 sends three times as many requests to the heavier node', async () => {
    const [n0, n1] = nodes as [TestUpstream, TestUpstream];
    const gh = await startGatehouse(
      publicDeployment([], {
        infrastructure: {
          nodes: [
            { url: n0.url, weight: 3 },
            { url: n1.url, weight: 1 },
          ],
        },
        deployment: { basePath: '/api' },
      }),
    );
    try {
      const before = counts();
      await sequential(gh, 40);
      assert.deepEqual(delta(before), [30, 10, 0]);
    } finally {
      await gh.stop();
    }
  });

  it('round-robin spreads concurrent requests evenly too', async () => {
    const gh = await startGatehouse(
      publicDeployment(
        nodes.map((n) => n.url),
        { deployment: { basePath: '/api' } },
      ),
    );
    try {
      const before = counts();
      const answers = await Promise.all(Array.from({ length: 30 }, () => send(gh.url, '/api/x')));
      assert.ok(answers.every((a) => a.status === 200));
      assert.deepEqual(delta(before), [10, 10, 10]);
    } finally {
      await gh.stop();
    }
  });

  it('least-connections sends new requests to the nodes with fewer requests in flight', async () => {
    const [n0, n1] = nodes as [TestUpstream, TestUpstream];
    const gh = await startGatehouse(
      publicDeployment([n0.url, n1.url], {
        infrastructure: { loadBalancing: 'least-connections' },
        deployment: { basePath: '/api' },
      }),
    );
    releaseHeld = deferred();
    try {
      const before = counts();
      // Hold two requests open: with equal load the first goes to one node, the second
      // to the other (ties go round-robin). Then hold a third: it joins one of them.
      const held = [send(gh.url, '/api/hold'), send(gh.url, '/api/hold')];
      await waitFor(() => delta(before)[0] === 1 && delta(before)[1] === 1, 'one held request per node');
      const third = send(gh.url, '/api/hold');
      await waitFor(() => (delta(before)[0] ?? 0) + (delta(before)[1] ?? 0) === 3, 'third held request');
      const busy = delta(before)[0] === 2 ? 0 : 1;
      const idle = 1 - busy;
      // 2 in flight on `busy`, 1 on `idle`: every new (fast) request goes to `idle`.
      const beforeFast = counts();
      await sequential(gh, 8);
      const fast = delta(beforeFast);
      assert.equal(fast[idle], 8, `all fast requests went to the less loaded node (${JSON.stringify(fast)})`);
      assert.equal(fast[busy], 0);
      releaseHeld.resolve();
      const answers = await Promise.all([...held, third]);
      assert.ok(answers.every((a) => a.status === 200 && a.text === 'held'));
      // Once nothing is in flight, the load is equal again and requests alternate.
      const beforeIdle = counts();
      await sequential(gh, 10);
      assert.deepEqual(delta(beforeIdle).slice(0, 2), [5, 5]);
    } finally {
      releaseHeld.resolve();
      await gh.stop();
    }
  });

  it('least-connections with one long request keeps every other request off that node', async () => {
    const [n0, n1, n2] = nodes as [TestUpstream, TestUpstream, TestUpstream];
    const gh = await startGatehouse(
      publicDeployment([n0.url, n1.url, n2.url], {
        infrastructure: { loadBalancing: 'least-connections' },
        deployment: { basePath: '/api' },
      }),
    );
    releaseHeld = deferred();
    try {
      const before = counts();
      const held = send(gh.url, '/api/hold');
      await waitFor(() => delta(before).reduce((a, b) => a + b, 0) === 1, 'held request');
      const holder = delta(before).indexOf(1);
      const beforeFast = counts();
      await sequential(gh, 12);
      const fast = delta(beforeFast);
      assert.equal(fast[holder], 0, `the busy node got nothing (${JSON.stringify(fast)})`);
      assert.deepEqual(
        fast.filter((_, i) => i !== holder),
        [6, 6],
      );
      releaseHeld.resolve();
      assert.equal((await held).status, 200);
    } finally {
      releaseHeld.resolve();
      await gh.stop();
    }
  });
});
