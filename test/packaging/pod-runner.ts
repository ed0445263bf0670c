/**
 * Runs inside `unshare --net --mount` (see pod.ts): a pod's network namespace with only
 * loopback, so the chart's real ports (8080, 9090, the API node's) are free. Starts an
 * API node on 127.0.0.1, runs the image's ENTRYPOINT + CMD in a container-like root as
 * the image's non-root user, drives the scenario (health, readiness, proxied requests,
 * a kubelet-style ConfigMap swap, the image HEALTHCHECK, a SIGTERM drain) and prints
 * one line `POD-REPORT <json>` for the test to assert on. It asserts nothing itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { send } from '../helpers/http.js';
import { buildRootfs, chrootCommand } from './rootfs.js';
import type { PodReport, PodScenario, RequestResult, ScenarioRequest } from './pod-types.js';
import { swapConfigMap } from './configmap-folder.js';

const t0 = Date.now();
const scenario = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as PodScenario;
const deadline = setTimeout(() => {
  console.error('pod-runner: scenario deadline reached');
  process.exit(3);
}, scenario.timeoutMs);

spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
const root = buildRootfs({
  root: scenario.rootDir,
  uid: scenario.uid,
  gid: scenario.gid,
  mounts: scenario.mounts,
});
const user = { uid: scenario.uid, gid: scenario.gid };
const inRoot = (command: readonly string[]): string[] =>
  chrootCommand(root, user, scenario.env, scenario.workdir, command);

// The API node: records every request; paths under /slow wait until the drain step releases them.
const upstreamRequests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
const held: ServerResponse[] = [];
let onHeld: (() => void) | undefined;
const apiNode = createServer((req, res) => {
  upstreamRequests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  req.resume();
  if (req.url?.startsWith('/slow')) {
    held.push(res);
    onHeld?.();
    return;
  }
  const body = JSON.stringify({
    node: 'api-node',
    url: req.url,
    subject: req.headers['x-auth-subject'] ?? null,
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
await new Promise<void>((resolve) => apiNode.listen(scenario.upstreamPort, '127.0.0.1', resolve));

const [file, ...args] = inRoot(scenario.command);
const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const logLines: Record<string, unknown>[] = [];
const stderr: string[] = [];
const logWaiters: { msg: string; resolve: () => void }[] = [];
let pending = '';
child.stdout.on('data', (chunk: Buffer) => {
  pending += chunk.toString('utf8');
  let newline: number;
  while ((newline = pending.indexOf('\n')) !== -1) {
    const text = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text, unparsed: true };
    }
    logLines.push(line);
    for (const waiter of logWaiters.filter((w) => w.msg === line.msg)) waiter.resolve();
  }
});
child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
  child.once('exit', (code, signal) => resolve({ code, signal })),
);

/** Resolves when a log line with this msg is written (counting from now), or when the process exits. */
function logLine(msg: string): Promise<boolean> {
  return Promise.race([
    new Promise<boolean>((resolve) => logWaiters.push({ msg, resolve: () => resolve(true) })),
    exited.then(() => false),
  ]);
}

async function run(request: ScenarioRequest): Promise<RequestResult> {
  const before = upstreamRequests.length;
  const base = request.listener === 'admin' ? scenario.adminUrl : scenario.dataPlaneUrl;
  try {
    const res = await send(base, request.path, {
      method: request.method ?? 'GET',
      headers: request.headers ?? {},
    });
    let json: unknown = null;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = null;
    }
    const reached = upstreamRequests.slice(before);
    return { name: request.name, status: res.status, json, text: res.text, upstream: reached };
  } catch (err) {
    return {
      name: request.name,
      status: 0,
      json: null,
      text: String((err as NodeJS.ErrnoException).code ?? err),
      upstream: [],
    };
  }
}

/** Runs a command in the root as the image's user; its exit status. */
function runInRoot(command: readonly string[]): number | null {
  const [file, ...rest] = inRoot(command);
  return spawnSync(file as string, rest, { stdio: 'ignore', timeout: 15_000 }).status;
}

const healthcheck = (): number | null => runInRoot(scenario.healthcheck);

const report: PodReport = {
  started: false,
  requests: [],
  reloadRequests: [],
  healthcheckWhileRunning: null,
  healthcheckAfterExit: null,
  readyzWhileDraining: null,
  drainedRequest: null,
  exit: null,
  writable: {},
  logLines,
  stderr: '',
  timings: {},
};
const mark = (step: string): void => void (report.timings[step] = Date.now() - t0);
mark('runner ready');

report.started = await Promise.race([logLine('gatehouse listening'), sleep(30_000, false, { ref: false })]);
mark('listening');
if (report.started) {
  report.healthcheckWhileRunning = healthcheck();
  for (const request of scenario.requests) report.requests.push(await run(request));
  mark('requests');

  if (scenario.reload) {
    const reloaded = logLine('configuration reloaded');
    swapConfigMap(scenario.configDir, scenario.reload.files, scenario.configOwner);
    if (await reloaded)
      for (const request of scenario.reload.requests) report.reloadRequests.push(await run(request));
  }

  mark('reload');
  for (const path of scenario.writeChecks) {
    const probe = `${path}/.write-check-${process.pid}`;
    report.writable[path] = runInRoot(['sh', '-c', `: > '${probe}' && rm '${probe}'`]) === 0;
  }

  // Drain: a slow request in flight, SIGTERM to the container's PID (tini), readiness
  // fails while the request is still held, then the request completes and Gatehouse exits.
  mark('write checks');
  const heldNow = new Promise<void>((resolve) => (onHeld = resolve));
  const slow = run({ name: 'in-flight', path: scenario.drainPath, headers: scenario.drainHeaders ?? {} });
  await heldNow;
  const shuttingDown = logLine('shutting down');
  child.kill('SIGTERM');
  await shuttingDown;
  report.readyzWhileDraining = await run({
    name: 'readyz while draining',
    path: '/readyz',
    listener: 'admin',
  });
  for (const res of held) res.writeHead(200, { 'content-type': 'text/plain' }).end('slow done');
  report.drainedRequest = await slow;
  mark('drained');
}
if (child.exitCode === null && child.signalCode === null && !report.started) child.kill('SIGKILL');
report.exit = await exited;
mark('exited');
report.healthcheckAfterExit = healthcheck();
report.stderr = stderr.join('');
apiNode.close();
clearTimeout(deadline);
process.stdout.write(`POD-REPORT ${JSON.stringify(report)}\n`, () => process.exit(0));
