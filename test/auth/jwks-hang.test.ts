/**
 * Issue #9 §3: a JWKS endpoint that refuses, then accepts the connection and never
 * answers, while full GCs run in the Gatehouse process. Requests that need a key the
 * provider does not have get 503 `auth_unavailable` once `fetchTimeoutMs` has passed,
 * never hang; when the endpoint answers again the provider recovers. Before the fix the
 * fetch deadline was an `AbortSignal.timeout()` held only weakly: a GC collected it, the
 * fetch waited for the peer (undici's 300 s header timeout) and kept `inFlight` set.
 *
 * Gatehouse runs as a child process (real sockets, its own heap) preloaded with
 * gc-on-signal.mjs: each SIGUSR2 forces a full GC there.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assertRefused, witness } from '../helpers/assertions.js';
import { waitFor } from '../helpers/async.js';
import { send, type SimpleResponse } from '../helpers/http.js';
import {
  generateKeyPairFor,
  generateTestKeys,
  jwksOf,
  type TestKeyPair,
  type TestKeys,
} from '../helpers/keys.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { startGatehouseProcess, type GatehouseProcess } from '../helpers/process.js';
import { FIXTURE_AUDIENCE, FIXTURE_ISSUER, fixtureProvider, signToken } from '../helpers/token-fixtures.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const FETCH_TIMEOUT_MS = 1000;
/** Slack over fetchTimeoutMs for a loaded machine; the failure mode is a 300 s hang. */
const SLACK_MS = 4000;
/** Client-side give-up: far above the bound, far below undici's 300 s header timeout. */
const CLIENT_GIVE_UP_MS = 20_000;
const GC_PRELOAD = pathToFileURL(new URL('../helpers/gc-on-signal.mjs', import.meta.url).pathname).href;

function signed(key: TestKeyPair): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signToken(
    { alg: key.alg, kid: key.kid, typ: 'JWT' },
    {
      iss: FIXTURE_ISSUER,
      aud: FIXTURE_AUDIENCE,
      sub: 'user-42',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
    },
    key,
  );
}

describe('a JWKS endpoint that refuses, then hangs, under forced GCs', () => {
  let keys: TestKeys;
  let rotated: TestKeyPair;
  let server: JwksServer;
  let upstream: TestUpstream;
  let gh: GatehouseProcess;

  /** One request; `undefined` when no answer came within CLIENT_GIVE_UP_MS. */
  async function timedGet(token: string): Promise<{ res: SimpleResponse | undefined; ms: number }> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), CLIENT_GIVE_UP_MS);
    });
    const res = await Promise.race([
      send(gh.url, '/api/x', { headers: { authorization: `Bearer ${token}` } }),
      gaveUp,
    ]);
    clearTimeout(timer);
    return { res, ms: Date.now() - started };
  }

  /** Asks for a full GC every 50 ms (the preload runs one per 100 ms at most) until `work` settles. */
  async function underGc<T>(work: Promise<T>): Promise<T> {
    const gcs = setInterval(() => gh.child.kill('SIGUSR2'), 50);
    try {
      return await work;
    } finally {
      clearInterval(gcs);
    }
  }

  before(async () => {
    keys = await generateTestKeys();
    rotated = await generateKeyPairFor('RS256', 'rsa-rotated');
    server = await startJwksServer(jwksOf(keys.rsa));
    upstream = await startUpstream('api');
    const provider = fixtureProvider(keys, 'jwks', {
      jwksUri: server.jwksUri,
      algorithms: ['RS256'],
      jwks: {
        cacheMaxAgeSec: 600,
        minRefreshSec: 2,
        unknownKidCooldownSec: 1,
        fetchTimeoutMs: FETCH_TIMEOUT_MS,
        outageGraceSec: 3600,
      },
    });
    gh = await startGatehouseProcess(
      {
        providers: [provider],
        infrastructures: [{ id: 'infra', nodes: [upstream.url] }],
        services: [
          {
            id: 'api',
            versions: [{ id: 'v1', auth: { methods: ['jwt'], jwt: { providers: [provider.id] } } }],
          },
        ],
        deployments: [
          { id: 'api', service: 'api', version: 'v1', infrastructure: 'infra', basePath: '/api' },
        ],
      },
      { env: { NODE_OPTIONS: `--expose-gc --import=${GC_PRELOAD}` } },
    );
  });
  after(async () => {
    await gh?.stop();
    await server?.close();
    await upstream?.close();
  });

  it('answers 503 auth_unavailable within fetchTimeoutMs while the endpoint hangs, then recovers', async () => {
    const ok = await timedGet(await signed(keys.rsa));
    assert.equal(ok.res?.status, 200, 'a published key works before the outage');

    // Refused: the unknown-kid refetch fails fast; a kid we cannot look up is 503, not 401.
    await server.refuseConnections();
    const seen = witness(upstream);
    const refused = await timedGet(await signed(rotated));
    assert.ok(refused.res, 'answered while the endpoint refuses');
    assertRefused(refused.res, seen, { status: 503, error: 'auth_unavailable', reached: false });

    // Accepts, never answers: the background retry now waits on the hung endpoint.
    server.setMode('hang');
    const fetchesBefore = server.jwksFetches;
    await server.acceptConnections();
    await waitFor(
      () => server.jwksFetches > fetchesBefore,
      'a JWKS fetch to reach the hung endpoint',
      15_000,
    );

    for (let round = 0; round < 3; round++) {
      const token = await signed(rotated);
      const hung = await underGc(timedGet(token));
      assert.ok(hung.res, `round ${round}: the request was answered (gave up after ${CLIENT_GIVE_UP_MS} ms)`);
      assertRefused(hung.res, seen, { status: 503, error: 'auth_unavailable', reached: false });
      assert.ok(
        hung.ms <= FETCH_TIMEOUT_MS + SLACK_MS,
        `round ${round}: answered after ${hung.ms} ms, bound fetchTimeoutMs ${FETCH_TIMEOUT_MS} + ${SLACK_MS}`,
      );
    }

    // The endpoint recovers and publishes the rotated key: the provider recovers too.
    server.setKeys(jwksOf(keys.rsa, rotated));
    server.setMode('ok');
    let last: SimpleResponse | undefined;
    await underGc(
      waitFor(
        async () => {
          const { res } = await timedGet(await signed(rotated));
          last = res;
          return res?.status === 200;
        },
        'the provider to recover once the endpoint answers',
        30_000,
        200,
      ),
    );
    assert.equal(last?.status, 200);
    assert.equal(seen.since(), 1, 'the recovered request reached the upstream');
    assert.equal((await timedGet(await signed(keys.rsa))).res?.status, 200);
    assert.equal(seen.since(), 2);
  });
});
