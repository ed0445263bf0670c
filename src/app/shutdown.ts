/**
 * Graceful shutdown of the listeners. Readiness already fails (the caller set its
 * draining flag); after `readinessDelayMs` the data-plane listener stops accepting,
 * its idle keep-alive connections close, and the requests in flight get up to
 * `drainTimeoutMs`: the wait ends the moment the last one finishes (the plan holder
 * counts requests holding a plan) or at the deadline, whichever comes first. Then
 * every remaining connection and upgraded socket is cut and the admin listener closes.
 * Requests that arrive meanwhile on open keep-alive connections are answered with
 * `Connection: close`.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import type { Logger } from '../observability/log.js';
import type { ListenerServer } from '../tls/listener-server.js';
import { closeDecisionListener } from './decision-listener.js';
import { closeServer } from './sockets.js';

export interface DrainTarget {
  /** The data-plane listeners (TLS and the plain one beside it). */
  readonly data: readonly ListenerServer[];
  readonly admin: ListenerServer | undefined;
  /** The decision listener: closed with the admin listener (decisions are short: no drain). */
  readonly decisions: Server | undefined;
  /** HTTP requests in progress (for the log lines). */
  inFlight(): number;
  /** Resolves once no HTTP request is in progress. */
  idle(): Promise<void>;
  /** Client sockets of WebSocket upgrades (cut after the drain). */
  upgradedSockets(): Iterable<Duplex>;
  readonly logger: Logger;
}

export interface DrainTimes {
  readonly readinessDelayMs: number;
  readonly drainTimeoutMs: number;
}

export async function drainListeners(target: DrainTarget, times: DrainTimes): Promise<void> {
  const { data, admin, logger } = target;
  logger.info({ inFlight: target.inFlight(), ...times }, 'shutting down');
  if (times.readinessDelayMs > 0) await sleep(times.readinessDelayMs);
  for (const listener of [...data, admin]) listener?.reloader?.stop();
  const closed = Promise.all(data.map((listener) => closeServer(listener.server)));
  for (const listener of data) listener.closeIdleConnections();
  const deadline = new AbortController();
  const timedOut = await Promise.race([
    target.idle().then(() => false),
    sleep(times.drainTimeoutMs, true, { signal: deadline.signal }).catch(() => false),
  ]);
  deadline.abort();
  if (timedOut && target.inFlight() > 0)
    logger.warn({ inFlight: target.inFlight() }, 'drain deadline reached; closing remaining connections');
  for (const listener of data) listener.closeAllConnections();
  for (const socket of target.upgradedSockets()) socket.destroy();
  await closed;
  if (admin) {
    const adminClosed = closeServer(admin.server);
    admin.closeAllConnections();
    await adminClosed;
  }
  if (target.decisions) await closeDecisionListener(target.decisions);
}
