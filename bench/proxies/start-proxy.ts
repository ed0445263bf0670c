/** Starts the proxy of a scenario as its own pinned process and waits until it serves. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { withListeners } from '../gatehouse-config.js';
import { benchScript, GATEHOUSE_BIN, REPO_ROOT } from '../paths.js';
import { spawnPinned, type PinnedChild } from '../process/children.js';
import { freePort, waitFor200 } from '../process/net.js';
import type { Scenario, ScenarioContext } from '../scenario-types.js';
import { benchCertificate } from '../tls/bench-certificate.js';
import { proxyCores, verifyProxyProcesses } from './verify-proxy.js';

export interface RunningProxy {
  /** Where the load generator sends traffic. */
  readonly url: string;
  /** The proxy process (undefined when the load goes straight to the upstream). */
  readonly process: PinnedChild | undefined;
  /** Gatehouse's admin listener (/metrics), e.g. http://127.0.0.1:41235. */
  readonly adminUrl: string | undefined;
  /** The TLS scenarios: the certificate the data plane serves (PEM), for the preflight to trust. */
  readonly tlsCaPem: string | undefined;
  readonly startupMs: number;
  alive(): boolean;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 120_000;

/**
 * Extra node flags for Gatehouse, space-separated, for profiling a scenario, e.g.
 * BENCH_GATEHOUSE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses --cpu-prof).
 * BENCH_FLOOR_NODE_ARGS does the same for the passthrough proxies, to profile the floor beside it.
 */
function extraNodeArgs(variable = 'BENCH_GATEHOUSE_NODE_ARGS'): string[] {
  return (process.env[variable] ?? '').split(' ').filter((a) => a !== '');
}

async function launch(
  scenario: Scenario,
  ctx: ScenarioContext,
  cores: readonly number[],
): Promise<{ child: PinnedChild; url: string; readyUrl: string; adminUrl?: string; tlsCaPem?: string }> {
  const port = await freePort();
  const tls = (scenario.transport ?? 'http') === 'http' ? undefined : benchCertificate(ctx.workDir);
  if (tls && scenario.proxy !== 'gatehouse')
    throw new Error(`${scenario.name}: only Gatehouse serves TLS here`);
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  switch (scenario.proxy) {
    case 'undici-passthrough':
    case 'http-proxy-passthrough': {
      const script = benchScript(`proxies/${scenario.proxy}.js`);
      const child = spawnPinned(scenario.name, cores, process.execPath, [
        ...extraNodeArgs('BENCH_FLOOR_NODE_ARGS'),
        script,
        String(port),
        ctx.upstreamUrl,
      ]);
      return { child, url, readyUrl: `${url}/` };
    }
    case 'gatehouse': {
      if (!scenario.gatehouseConfig)
        throw new Error(`${scenario.name}: a gatehouse scenario needs gatehouseConfig`);
      const adminPort = await freePort();
      const configPath = join(ctx.workDir, `${scenario.name}.yaml`);
      const config = withListeners(scenario.gatehouseConfig(ctx), {
        dataPort: port,
        adminPort,
        ...(tls ? { tlsCertFolder: tls.certFolder } : {}),
        ...(scenario.workers === undefined ? {} : { workers: scenario.workers }),
      });
      await writeFile(configPath, stringify(config));
      // stdout (the JSON log, access log included) goes to /dev/null; stderr is kept for errors.
      const args = [...extraNodeArgs(), GATEHOUSE_BIN, 'start', '--config', configPath];
      const child = spawnPinned(scenario.name, cores, process.execPath, args, { cwd: REPO_ROOT });
      const adminUrl = `http://127.0.0.1:${adminPort}`;
      return {
        child,
        url,
        readyUrl: `${adminUrl}/readyz`,
        adminUrl,
        ...(tls ? { tlsCaPem: tls.caPem } : {}),
      };
    }
    case 'none':
      throw new Error('no proxy to launch');
  }
}

export async function startProxy(
  scenario: Scenario,
  ctx: ScenarioContext,
  cpu: number,
): Promise<RunningProxy> {
  if (scenario.proxy === 'none')
    return {
      url: ctx.upstreamUrl,
      process: undefined,
      adminUrl: undefined,
      tlsCaPem: undefined,
      startupMs: 0,
      alive: () => true,
      stop: () => Promise.resolve(),
    };
  const startedAt = performance.now();
  const cores = proxyCores(scenario, cpu);
  const { child, url, readyUrl, adminUrl, tlsCaPem } = await launch(scenario, ctx, cores);
  try {
    await waitFor200(readyUrl, STARTUP_TIMEOUT_MS, child.exited);
    await verifyProxyProcesses(child, scenario, cores);
  } catch (err) {
    await child.stop();
    throw new Error(
      `${scenario.name} did not start: ${err instanceof Error ? err.message : String(err)}\n${child.outputTail()}`,
    );
  }
  return {
    url,
    process: child,
    adminUrl,
    tlsCaPem,
    startupMs: performance.now() - startedAt,
    alive: () => child.alive(),
    stop: () => child.stop(),
  };
}
