/**
 * Keeps a TLS listener's certificates current: the files are checked every
 * `reloadCheckMs` (and at once on SIGHUP); a changed, valid set is installed with
 * `server.setSecureContext()`, so new handshakes use it while established connections
 * continue on the old one. A broken set is refused with a log line and a metric, once
 * per distinct broken content, and the old set keeps serving.
 */
import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { ListenerTlsConfig } from '../config/schema-tls.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import {
  fingerprintFiles,
  listenerTlsFiles,
  loadListenerMaterial,
  type ListenerTlsFiles,
  type ListenerTlsMaterial,
} from './listener-material.js';

export type ListenerName = 'dataPlane' | 'admin';

export interface CertificateReloaderDeps {
  readonly baseDir: string;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}

export class CertificateReloader {
  private readonly files: ListenerTlsFiles;
  private material: ListenerTlsMaterial;
  private lastRefused: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private server: TlsServer | undefined;

  /** Reads the files now: throws TlsFileError when they are unusable (start refuses). */
  constructor(
    readonly listener: ListenerName,
    private readonly tls: ListenerTlsConfig,
    private readonly deps: CertificateReloaderDeps,
  ) {
    this.files = listenerTlsFiles(tls, deps.baseDir);
    this.material = loadListenerMaterial(tls, this.files);
    this.recordExpiry();
  }

  /** Options for https.createServer / http2.createSecureServer. */
  serverOptions(): TlsOptions {
    const mode = this.tls.clientCertificates;
    return {
      ...this.material.context,
      requestCert: mode !== 'off',
      // `required`: refused in the handshake. `optional`: the mtls method checks `authorized`.
      rejectUnauthorized: mode === 'required',
    };
  }

  /** Starts watching the files for the server built from serverOptions(). */
  attach(server: TlsServer): void {
    this.server = server;
    this.timer = setInterval(() => this.check('file change'), this.tls.reloadCheckMs);
    this.timer.unref();
  }

  /** Re-reads the files if they changed; true when a new set is serving. */
  check(reason: string): boolean {
    let fingerprint: string;
    try {
      fingerprint = fingerprintFiles(this.files);
    } catch {
      fingerprint = 'unreadable';
    }
    if (fingerprint === this.material.fingerprint || fingerprint === this.lastRefused) return false;
    let next: ListenerTlsMaterial;
    try {
      next = loadListenerMaterial(this.tls, this.files);
      this.server?.setSecureContext(next.context);
    } catch (err) {
      this.lastRefused = fingerprint;
      this.deps.metrics.edge.tlsReloads.labels(this.listener, 'failure').inc();
      this.deps.logger.error(
        { listener: this.listener, reason, error: err instanceof Error ? err.message : String(err) },
        'new TLS certificates refused; the previous ones keep serving',
      );
      return false;
    }
    this.material = next;
    this.lastRefused = undefined;
    this.recordExpiry();
    this.deps.metrics.edge.tlsReloads.labels(this.listener, 'success').inc();
    this.deps.logger.info(
      { listener: this.listener, reason, notAfter: new Date(next.serverExpiry * 1000).toISOString() },
      'TLS certificates reloaded',
    );
    return true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private recordExpiry(): void {
    const gauge = this.deps.metrics.edge.tlsCertificateExpiry;
    gauge.labels(this.listener, '', 'server').set(this.material.serverExpiry);
    if (this.material.caExpiry !== undefined)
      gauge.labels(this.listener, '', 'client-ca').set(this.material.caExpiry);
  }
}
