/**
 * The data-plane handler over a hand-built plan, without a network: requests are
 * written into an in-memory socket handed to a real (never listening) node:http server,
 * the gate and the proxy are fakes that record what reached them. Covers the branches
 * only a broken gate or forwarder reaches: a gate that throws (503), an admission
 * promise that rejects (503), a forwarder that throws (500), and a client that leaves
 * while its admission waits (nothing forwarded).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Duplex, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { ANONYMOUS, type Admission, type Gate, type MaybePromise } from '../../src/auth/types.js';
import { systemClock } from '../../src/clock.js';
import { PlanHolder, type CompiledDeployment, type RuntimePlan } from '../../src/plan/plan.js';
import { GatehouseError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/log.js';
import { GatehouseMetrics } from '../../src/observability/metrics.js';
import { compileInboundHeaderFilter } from '../../src/proxy/inbound-header-filter.js';
import { PoolRegistry } from '../../src/proxy/pool-registry.js';
import { UpstreamPool } from '../../src/proxy/upstream-pool.js';
import { compileUpstreamPath } from '../../src/proxy/upstream-path.js';
import type { AdmittedRequest, RequestProxy } from '../../src/proxy/upstream-proxy.js';
import { compileMethodPolicy } from '../../src/routing/allowed-methods.js';
import { Router } from '../../src/routing/router.js';
import { DataPlane } from '../../src/server/data-plane.js';
import { FAILED_CREDENTIALS_DEFAULTS } from '../../src/config/schema-policy.js';
import { TrafficPolicy } from '../../src/policy/traffic-policy.js';
import type { Store } from '../../src/store/types.js';
import { deferred } from '../helpers/async.js';
import { parseRawResponse, type RawResponse } from '../helpers/http.js';

/** A socket in memory: what the client "sends" is pushed in, what the server writes is kept. */
class MemorySocket extends Duplex {
  readonly remoteAddress = '10.0.0.7';
  private readonly out: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.out.push(Buffer.from(chunk));
    callback();
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  get written(): string {
    return Buffer.concat(this.out).toString('latin1');
  }
}

const ALLOWED: Admission = Object.freeze({
  allowed: true,
  identity: ANONYMOUS,
  upstreamHeaders: ['x-auth-method', 'public'],
});

interface Forwarded {
  readonly url: string | undefined;
  readonly admitted: AdmittedRequest;
}

interface Harness {
  readonly server: Server;
  readonly forwarded: Forwarded[];
  readonly logs: Record<string, unknown>[];
  readonly metrics: GatehouseMetrics;
  readonly dataPlane: DataPlane;
}

type Forward = (req: IncomingMessage, res: ServerResponse) => void;

const answer: Forward = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('from upstream');
};

/** A plan with one deployment at /api (stripPrefix) whose gate is `admit`, and a fake proxy. */
function harness(admit: Gate['admit'], forward: Forward = answer, draining = false): Harness {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    }),
  );
  const metrics = new GatehouseMetrics();
  const gate: Gate = { admit, identityHeaderNames: new Set() };
  const deployment: CompiledDeployment = {
    id: 'dep',
    serviceId: 'svc',
    versionId: 'v1',
    infrastructureId: 'infra',
    enabled: true,
    host: undefined,
    basePath: '/api',
    upstreamPath: compileUpstreamPath('/api', true),
    retryIdempotent: false,
    methods: compileMethodPolicy(undefined),
    timeouts: { connectMs: 1000, responseMs: 1000, idleMs: 1000 },
    maxBodyBytes: 0,
    requestTimeoutMs: 0,
    bodyBufferBytes: 0,
    pool: new UpstreamPool('infra', [], 'round-robin', systemClock),
    gate,
    headerPolicy: {
      inbound: compileInboundHeaderFilter({ always: new Set(), keep: [], strip: [] }),
      preserveHost: false,
    },
    metrics: metrics.forDeployment('dep'),
    traffic: undefined,
  };
  // RuntimePlan fields the data plane never reads (config, admin authenticators) are left out.
  const plan = {
    generation: 1,
    router: new Router([{ host: undefined, basePath: '/api', value: deployment }]),
    deployments: new Map([['dep', deployment]]),
    proxyTrust: () => false,
    failedCredentials: FAILED_CREDENTIALS_DEFAULTS,
    accessLog: false,
    adminAuthenticators: [],
    poolKeys: [],
    verifierKeys: [],
    lease: { active: 0, retired: false },
  } as unknown as RuntimePlan;
  const plans = new PlanHolder({
    pools: { release: () => undefined },
    verifiers: { release: () => undefined },
  });
  plans.swap(plan);
  const forwarded: Forwarded[] = [];
  const proxy: RequestProxy = {
    forward: (req, res, admitted) => {
      forwarded.push({ url: req.url, admitted });
      forward(req, res);
      return { exchange: undefined, cancel: () => undefined };
    },
    upgrade: () => {
      throw new Error('not used here');
    },
  };
  const dataPlane = new DataPlane({
    plans,
    metrics,
    logger,
    pools: new PoolRegistry(systemClock, metrics, logger),
    clock: systemClock,
    // The policy with no limits and no CORS: the gate's answer passes through unchanged
    // (only the backend name of the store is read; local counters are used).
    traffic: new TrafficPolicy({
      store: { backend: 'memory' } as unknown as Store,
      clock: systemClock,
      metrics,
      logger,
    }),
    isDraining: () => draining,
    proxy: () => proxy,
  });
  return { server: createServer(dataPlane.handleRequest), forwarded, logs, metrics, dataPlane };
}

/** Sends one request (Connection: close) and resolves with the answer once the server ends the socket. */
function request(h: Harness, head: string): Promise<RawResponse> {
  const socket = new MemorySocket();
  const ended = deferred<RawResponse>();
  socket.once('finish', () => ended.resolve(parseRawResponse(socket.written)));
  h.server.emit('connection', socket);
  socket.push(`${head}\r\nHost: gatehouse\r\nConnection: close\r\n\r\n`);
  return ended.promise;
}

const denied = (error: GatehouseError): Admission => ({ allowed: false, error });

describe('data-plane handler (unit, hand-built plan)', () => {
  const cases: {
    readonly name: string;
    readonly admit: Gate['admit'];
    readonly forward?: Forward;
    readonly status: number;
    readonly error?: string;
    readonly forwarded: boolean;
    readonly logged?: string;
  }[] = [
    { name: 'a synchronous admission is forwarded', admit: () => ALLOWED, status: 200, forwarded: true },
    {
      name: 'an admission that waited is forwarded',
      admit: () => Promise.resolve(ALLOWED),
      status: 200,
      forwarded: true,
    },
    {
      name: 'a denial is answered with its error, nothing forwarded',
      admit: () => denied(new GatehouseError('missing_credentials')),
      status: 401,
      error: 'missing_credentials',
      forwarded: false,
    },
    {
      name: 'a gate that throws synchronously → 503 auth_unavailable',
      admit: () => {
        throw new Error('gate bug');
      },
      status: 503,
      error: 'auth_unavailable',
      forwarded: false,
      logged: 'authentication failed unexpectedly',
    },
    {
      name: 'an admission promise that rejects → 503 auth_unavailable',
      admit: () => Promise.reject(new Error('key store down')),
      status: 503,
      error: 'auth_unavailable',
      forwarded: false,
      logged: 'authentication failed unexpectedly',
    },
    {
      name: 'a forwarder that throws → 500 internal_error',
      admit: () => ALLOWED,
      forward: () => {
        throw new Error('forwarder bug');
      },
      status: 500,
      error: 'internal_error',
      forwarded: true,
      logged: 'forwarding failed unexpectedly',
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const h = harness(c.admit, c.forward);
      const res = await request(h, 'GET /api/things?page=2 HTTP/1.1\r\nX-Request-Id: unit-1');
      assert.equal(res.status, c.status, res.body);
      assert.equal(h.forwarded.length, c.forwarded ? 1 : 0, 'whether the proxy was reached');
      if (c.error !== undefined) {
        assert.equal(res.json().error, c.error);
        assert.equal(res.json().requestId, 'unit-1');
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.doesNotMatch(res.body, /bug|key store/, 'no internal detail in the answer');
      } else assert.equal(res.body, 'from upstream');
      if (c.logged !== undefined)
        assert.ok(
          h.logs.some((l) => l.msg === c.logged && l.requestId === 'unit-1'),
          'the failure is logged',
        );
      assert.equal(h.dataPlane.inFlight, 0);
    });

  it('hands the proxy the routed target, the plan trust and the admission headers', async () => {
    const h = harness(() => ALLOWED);
    await request(h, 'GET /api/things?page=2 HTTP/1.1');
    const admitted = h.forwarded[0]?.admitted;
    assert.ok(admitted);
    assert.deepEqual(admitted.requestTarget, { path: '/api/things', query: '?page=2' });
    assert.equal(admitted.target.upstreamPath(admitted.requestTarget), '/things?page=2');
    assert.deepEqual(admitted.identityHeaders, ['x-auth-method', 'public']);
    assert.equal(admitted.trust('10.0.0.7'), false);
  });

  it('an unknown route is 404 no_deployment and never admitted', async () => {
    let admitted = 0;
    const h = harness(() => {
      admitted++;
      return ALLOWED;
    });
    const res = await request(h, 'GET /elsewhere HTTP/1.1');
    assert.equal(res.status, 404);
    assert.equal(res.json().error, 'no_deployment');
    assert.equal(admitted, 0);
    assert.equal(h.forwarded.length, 0);
  });

  it('answers carry Connection: close while draining', async () => {
    const h = harness(() => ALLOWED, answer, true);
    const res = await request(h, 'GET /api/x HTTP/1.1');
    assert.equal(res.status, 200);
    assert.equal(res.headers.connection, 'close');
  });

  it('a client that leaves while its admission waits is not forwarded (counted 499)', async () => {
    const admitting = deferred();
    const decision = deferred<Admission>();
    const h = harness((): MaybePromise<Admission> => {
      admitting.resolve();
      return decision.promise;
    });
    const socket = new MemorySocket();
    const closed = deferred();
    h.server.emit('connection', socket);
    socket.push('GET /api/slow HTTP/1.1\r\nHost: gatehouse\r\n\r\n');
    await admitting.promise;
    assert.equal(h.dataPlane.inFlight, 1);
    socket.once('close', () => closed.resolve());
    socket.destroy();
    await closed.promise;
    await h.dataPlane.idle();
    decision.resolve(ALLOWED);
    await decision.promise; // the handler's continuation was queued first and has run
    assert.equal(h.forwarded.length, 0, 'nothing forwarded');
    assert.equal(socket.written, '', 'nothing written');
    const text = await h.metrics.registry.metrics();
    assert.match(text, /gatehouse_requests_total\{deployment="dep",method="GET",status_class="4xx"\} 1/);
  });
});
