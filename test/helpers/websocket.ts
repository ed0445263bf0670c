/** A WebSocket test node (an echo server behind a real HTTP upstream) and client helpers. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { deferred } from './async.js';
import { startUpstream, type TestUpstream } from './upstream.js';

export interface WsNode {
  readonly upstream: TestUpstream;
  readonly handshakes: string[];
  readonly wss: WebSocketServer;
}

export async function startWsNode(name: string): Promise<WsNode> {
  const upstream = await startUpstream(name);
  const wss = new WebSocketServer({ noServer: true });
  const handshakes: string[] = [];
  wss.on('connection', (socket) =>
    socket.on('message', (data: Buffer) => socket.send(`${name}:${String(data)}`)),
  );
  upstream.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.push(req.url ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  return { upstream, handshakes, wss };
}

export async function closeWsNode(node: WsNode): Promise<void> {
  for (const client of node.wss.clients) client.terminate();
  node.wss.close();
  await node.upstream.close();
}

export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function closeClient(ws: WebSocket): Promise<void> {
  const closed = deferred();
  ws.once('close', () => closed.resolve());
  ws.close(1000);
  await closed.promise;
}
