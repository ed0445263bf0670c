/**
 * A tiny API node to put behind Gatehouse: answers every request with JSON describing
 * what it received (method, path, identity headers), and /health for health checks.
 * Run alone: `node dist/examples/api-node.js 9001 node-a`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export function createApiNode(name: string): Server {
  return createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({
        node: name,
        method: req.method,
        path: req.url,
        bodyBytes: bytes,
        caller: {
          method: req.headers['x-auth-method'] ?? null,
          subject: req.headers['x-auth-subject'] ?? null,
          groups: req.headers['x-auth-groups'] ?? null,
          scopes: req.headers['x-auth-scopes'] ?? null,
          keyId: req.headers['x-auth-key-id'] ?? null,
        },
        forwardedFor: req.headers['x-forwarded-for'] ?? null,
        requestId: req.headers['x-request-id'] ?? null,
        prediction: { score: 0.87, label: 'low-risk' },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
}

export function startApiNode(name: string, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createApiNode(name);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[2] ?? 9001);
  const name = process.argv[3] ?? `node-${port}`;
  const server = await startApiNode(name, port);
  console.log(`example API node ${name} on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}
