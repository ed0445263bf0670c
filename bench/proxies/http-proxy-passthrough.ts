/**
 * node:http + http-proxy with a keep-alive agent (maxSockets 128): the usual
 * "proxy in a few lines" for comparison. Usage: node http-proxy-passthrough.js PORT UPSTREAM_ORIGIN
 */
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';

const [, , port, upstream] = process.argv;
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target: upstream ?? '', agent });

proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502).end();
  else res.destroy();
});

const server = createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
