/** nginx as the upstream: one process (no master), its files in a scratch folder. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnPinned, type PinnedChild } from '../process/children.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export const UPSTREAM_BODY = '{"ok":true}';

export function nginxAvailable(): boolean {
  return existsSync(NGINX_BINARY);
}

function nginxConfig(dir: string, port: number, staticDir: string): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  keepalive_timeout 120s;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port} reuseport;
    location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
    location = /jwks.json { default_type application/json; root ${staticDir}; }
    location / { default_type application/json; return 200 '${UPSTREAM_BODY}'; }
  }
}
`;
}

/** Starts nginx on `port`, pinned to `cpu`; it serves `staticDir`/jwks.json at /jwks.json. */
export async function startNginx(
  workDir: string,
  port: number,
  cpu: number,
  staticDir: string,
): Promise<PinnedChild> {
  const dir = join(workDir, 'nginx');
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, 'nginx.conf');
  await writeFile(configPath, nginxConfig(dir, port, staticDir));
  return spawnPinned('nginx', cpu, NGINX_BINARY, ['-e', join(dir, 'error.log'), '-p', dir, '-c', configPath]);
}
