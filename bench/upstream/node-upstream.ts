/**
 * Fallback upstream when nginx is not installed: node:http answering every request
 * with a small JSON body, and STATIC_DIR/jwks.json at /jwks.json. Usage: node
 * node-upstream.js PORT STATIC_DIR. It shares the load generator's core, so it takes
 * more CPU from wrk than nginx would.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

const BODY = Buffer.from('{"ok":true}');
const port = Number(process.argv[2]);
const staticDir = process.argv[3] ?? '.';

const server = createServer((req, res) => {
  req.resume();
  if (req.url === '/jwks.json') {
    readFile(join(staticDir, 'jwks.json')).then(
      (jwks) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
      () => res.writeHead(404).end(),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
