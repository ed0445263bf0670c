/**
 * Fallback upstream when nginx is not installed: node:http answering every request
 * with a small JSON body. Usage: node node-upstream.js PORT. It shares the load
 * generator's core, so it takes more CPU from wrk than nginx would.
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"ok":true}');
const port = Number(process.argv[2]);

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
