/**
 * The floor for any Node proxy: node:http in front of one undici Pool, forwarding
 * method, path, end-to-end headers and body, and streaming the answer back.
 * Usage: node undici-passthrough.js PORT UPSTREAM_ORIGIN
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';

const [, , port, upstream] = process.argv;
const pool = new Pool(upstream ?? '', { connections: 128, pipelining: 1 });
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) out[name] = headers[name];
  return out;
}

const server = createServer((req, res) => {
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => res.writeHead(statusCode, endToEnd(headers)),
    (err) => {
      if (err && !res.headersSent) res.writeHead(502).end();
      else if (err) res.destroy();
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.close().then(() => process.exit(0))));
