/** The upstream every scenario shares: nginx when installed, else the Node fallback. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PinnedChild } from '../process/children.js';
import { spawnPinned } from '../process/children.js';
import { freePort, waitFor200 } from '../process/net.js';
import { benchScript } from '../paths.js';
import { nginxAvailable, NGINX_BINARY, startNginx } from './nginx.js';

export interface Upstream {
  readonly kind: 'nginx' | 'node';
  readonly url: string;
  readonly process: PinnedChild;
  /** Served at /jwks.json: where the auth scenarios write their JWKS. */
  readonly jwksFile: string;
  readonly jwksUrl: string;
}

export async function startUpstream(workDir: string, cpu: number, preferNode: boolean): Promise<Upstream> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const kind = nginxAvailable() && !preferNode ? 'nginx' : 'node';
  const staticDir = join(workDir, 'upstream-static');
  await mkdir(staticDir, { recursive: true });
  const child =
    kind === 'nginx'
      ? await startNginx(workDir, port, cpu, staticDir)
      : spawnPinned('node-upstream', cpu, process.execPath, [
          benchScript('upstream/node-upstream.js'),
          String(port),
          staticDir,
        ]);
  try {
    await waitFor200(`${url}/health`, 10_000, child.exited);
  } catch (err) {
    await child.stop();
    const binary = kind === 'nginx' ? NGINX_BINARY : 'node upstream';
    throw new Error(`${binary} did not start: ${String(err)}\n${child.outputTail()}`);
  }
  return { kind, url, process: child, jwksFile: join(staticDir, 'jwks.json'), jwksUrl: `${url}/jwks.json` };
}
