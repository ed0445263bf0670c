/**
 * The image's exact start command (ENTRYPOINT + CMD parsed from the Dockerfile) run as
 * the chart runs it, without a container engine: fresh network and mount namespaces
 * (the pod), a read-only container-like root with the build output at /app, the
 * chart's configuration in a kubelet-style ConfigMap folder at /etc/gatehouse, the
 * data volume the only writable place, uid/gid 10001 with no capabilities.
 * Not reproduced: the seccomp profile, cgroup limits, and the node base image's own
 * Node (this machine's Node runs dist/).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { stringify } from 'yaml';
import { generateSecret, hashApiKey } from '../../src/auth/api-key-hash.js';
import {
  adminPort,
  at,
  dataPlanePort,
  projectedSecretFiles,
  renderConfig,
  valuesWith,
  type Values,
} from './chart-model.js';
import { readDockerfile } from './dockerfile.js';
import { buildDist, runPod, type PodRun } from './pod.js';
import type { PodReport, RequestResult } from './pod-types.js';

const image = readDockerfile();

function result(report: PodReport, name: string): RequestResult {
  const found = [...report.requests, ...report.reloadRequests].find((r) => r.name === name);
  assert.ok(found, `request "${name}" ran (stderr: ${report.stderr})`);
  return found;
}

function assertRefused(res: RequestResult, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal((res.json as { error?: string }).error, code);
  assert.equal(res.upstream.length, 0, 'the API node was not reached');
}

function assertDrainedAndExited(report: PodReport): void {
  assert.equal(report.healthcheckWhileRunning, 0, 'the image HEALTHCHECK passes while Gatehouse runs');
  assert.equal(report.readyzWhileDraining?.status, 503, 'readiness fails once SIGTERM arrives');
  assert.deepEqual(report.readyzWhileDraining?.json, { status: 'not_ready', reason: 'draining' });
  assert.equal(report.drainedRequest?.status, 200, 'the in-flight request completes');
  assert.equal(report.drainedRequest?.text, 'slow done');
  assert.deepEqual(report.exit, { code: 0, signal: null }, `exit status (stderr: ${report.stderr})`);
  assert.notEqual(report.healthcheckAfterExit, 0, 'the HEALTHCHECK fails once Gatehouse is gone');
  const messages = report.logLines.map((l) => l.msg);
  assert.ok(messages.includes('signal received: draining'));
  assert.ok(messages.includes('stopped'));
  assert.ok(!messages.includes('drain deadline reached; closing remaining connections'));
}

describe('the image start command as the chart runs it (namespaces + chroot, uid 10001)', () => {
  let dist: string;
  const runs: PodRun[] = [];

  before(() => {
    dist = buildDist();
  });
  after(() => {
    for (const run of runs) run.cleanup();
    rmSync(dist, { recursive: true, force: true });
  });

  it('standalone chart defaults: probes, proxied and refused requests, ConfigMap swap reload, HEALTHCHECK, SIGTERM drain, exit 0, only the data volume writable', async () => {
    const key = generateSecret('ghk_');
    const publicService = (id: string) => ({ id, versions: [{ id: 'v1', auth: { methods: ['public'] } }] });
    const deployment = (id: string, basePath: string) => ({
      id,
      service: id,
      version: 'v1',
      infrastructure: 'api-nodes',
      basePath,
    });
    const layer: Values = {
      config: {
        infrastructures: [{ id: 'api-nodes', stage: 'prod', nodes: ['http://127.0.0.1:9000'] }],
        services: [
          {
            id: 'scoring',
            versions: [
              {
                id: 'v1',
                auth: {
                  methods: ['apiKeys'],
                  apiKeys: { keys: [{ id: 'client-a', hash: hashApiKey(key) }] },
                },
              },
            ],
          },
          publicService('slow'),
        ],
        deployments: [deployment('scoring', '/scoring'), deployment('slow', '/slow')],
      },
    };
    const values = valuesWith(layer);
    const config = renderConfig(values, 'gatehouse');
    const changed = structuredClone(config) as { services: unknown[]; deployments: unknown[] };
    changed.services.push(publicService('added'));
    changed.deployments.push(deployment('added', '/added'));
    // The chart's own ports, as in the pod: the namespace has nothing else listening.
    assert.deepEqual([dataPlanePort(values), adminPort(values)], image.exposed);

    const run = await runPod({
      image,
      dist,
      configFiles: { 'gatehouse.yaml': stringify(config) },
      configOwner: { uid: 0, gid: 10001, mode: 0o440 }, // projected volume: defaultMode 0440, fsGroup 10001
      dataPlanePort: dataPlanePort(values),
      adminPort: adminPort(values),
      scenario: {
        upstreamPort: 9000,
        drainPath: '/slow/report',
        requests: [
          { name: 'healthz', path: '/healthz', listener: 'admin' },
          { name: 'readyz', path: '/readyz', listener: 'admin' },
          { name: 'with key', path: '/scoring/predict', headers: { authorization: `Bearer ${key}` } },
          { name: 'without key', path: '/scoring/predict' },
          { name: 'ops path on the data plane', path: '/healthz' },
        ],
        reload: {
          files: { 'gatehouse.yaml': stringify(changed) },
          requests: [{ name: 'added by the ConfigMap swap', path: '/added/x' }],
        },
      },
    });
    runs.push(run);
    const { report } = run;
    assert.ok(report.started, `Gatehouse started (stderr: ${report.stderr})`);
    assert.deepEqual(result(report, 'healthz').json, { status: 'ok' });
    assert.deepEqual(result(report, 'readyz').json, { status: 'ready' });
    const proxied = result(report, 'with key');
    assert.equal(proxied.status, 200, proxied.text);
    assert.equal(proxied.upstream.length, 1);
    assert.equal(proxied.upstream[0]?.url, '/scoring/predict');
    assert.equal(proxied.upstream[0]?.headers['x-auth-key-id'], 'client-a');
    assert.equal(proxied.upstream[0]?.headers.authorization, undefined, 'the credential is not forwarded');
    assertRefused(result(report, 'without key'), 401, 'missing_credentials');
    assertRefused(result(report, 'ops path on the data plane'), 404, 'no_deployment');
    const added = result(report, 'added by the ConfigMap swap');
    assert.equal(added.status, 200, added.text);
    assert.equal(added.upstream[0]?.url, '/added/x');
    assertDrainedAndExited(report);

    const volume = image.volumes[0] as string;
    assert.deepEqual(report.writable, {
      '/': false,
      '/tmp': false,
      '/app': false,
      '/app/node_modules': false,
      '/etc/gatehouse': false,
      '/usr': false,
      [volume]: true,
    });
    const dataDir = String(at(config, 'store', 'sqlite', 'dataDir'));
    assert.ok(dataDir.startsWith(`${volume}/`), 'the SQLite folder is on the image volume');
    const db = statSync(join(run.dataDir, dataDir.slice(volume.length), 'gatehouse.db'));
    assert.equal(db.uid, 10001);
    assert.equal(db.mode & 0o777, 0o600);
  });

  it('the sidecar example values: Gatehouse in front of a real API node on 127.0.0.1', async () => {
    const values = valuesWith('sidecar-values.yaml');
    const config = renderConfig(values, 'scoring');
    const apiPort = Number(at(values, 'sidecar', 'apiNode', 'port'));
    assert.deepEqual(
      (config.infrastructures as { nodes: string[] }[]).flatMap((i) => i.nodes),
      [`http://127.0.0.1:${apiPort}`],
      'the sidecar forwards to the API node over the pod loopback only',
    );
    const secret = randomBytes(48).toString('base64');
    const files: Record<string, string> = { 'gatehouse.yaml': stringify(config) };
    for (const file of projectedSecretFiles(values)) files[file.path] = secret;
    const provider = (config.providers as { issuer: string; audiences: string[] }[])[0];
    assert.ok(provider);
    const token = (scope: string) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(provider.issuer)
        .setAudience(provider.audiences[0] as string)
        .setSubject('partner-a')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));
    const granted = `Bearer ${await token('scoring:read')}`;

    const run = await runPod({
      image,
      dist,
      configFiles: files,
      configOwner: { uid: 0, gid: 0, mode: 0o444 }, // sidecar: defaultMode 0444, no fsGroup
      dataPlanePort: dataPlanePort(values),
      adminPort: adminPort(values),
      scenario: {
        upstreamPort: apiPort,
        drainPath: '/slow',
        drainHeaders: { authorization: granted },
        requests: [
          { name: 'readyz', path: '/readyz', listener: 'admin' },
          { name: 'public health', path: '/health' },
          { name: 'no token', path: '/score' },
          {
            name: 'token without the scope',
            path: '/score',
            headers: { authorization: `Bearer ${await token('other')}` },
          },
          { name: 'token', path: '/score', headers: { authorization: granted } },
        ],
      },
    });
    runs.push(run);
    const { report } = run;
    assert.ok(report.started, `Gatehouse started (stderr: ${report.stderr})`);
    assert.equal(result(report, 'readyz').status, 200);
    const health = result(report, 'public health');
    assert.equal(health.status, 200);
    assert.equal(health.upstream[0]?.url, '/health');
    assertRefused(result(report, 'no token'), 401, 'missing_credentials');
    assertRefused(result(report, 'token without the scope'), 403, 'insufficient_scope');
    const allowed = result(report, 'token');
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.upstream.length, 1);
    assert.equal(allowed.upstream[0]?.headers['x-auth-subject'], 'partner-a');
    assertDrainedAndExited(report);
  });
});
