/**
 * Builds the listeners' TLS from the configuration: a CertificateReloader per TLS
 * listener (reading the files now, so a bad set fails `start`), the start-time warnings
 * (admin API on a non-loopback address in plain HTTP), and whether the data plane can
 * supply client certificates to the `mtls` method.
 */
import { isIP } from 'node:net';
import type { GatehouseConfig } from '../config/schema.js';
import type { ListenerTlsConfig } from '../config/schema-tls.js';
import {
  CertificateReloader,
  type CertificateReloaderDeps,
  type ListenerName,
} from './certificate-reloader.js';
import type { ListenerTls } from './listener-server.js';

export function listenerTls(
  listener: ListenerName,
  tls: (ListenerTlsConfig & { http2?: boolean }) | undefined,
  deps: CertificateReloaderDeps,
): ListenerTls | undefined {
  if (!tls) return undefined;
  return { reloader: new CertificateReloader(listener, tls, deps), http2: tls.http2 ?? false };
}

/** `localhost`, 127.0.0.0/8 and ::1: reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** Warnings `start` logs about the listeners' TLS. */
export function listenerTlsWarnings(config: GatehouseConfig): string[] {
  const warnings: string[] = [];
  const admin = config.server.admin;
  if (!admin.tls && !isLoopbackHost(admin.host))
    warnings.push(
      `the admin listener (${admin.host}) is reachable from other machines over plain HTTP: admin keys, passwords and tokens cross the network unencrypted; set server.admin.tls`,
    );
  return warnings;
}

/** The data plane asks clients for certificates, so method `mtls` has something to check. */
export function dataPlaneSuppliesClientCertificates(config: GatehouseConfig): boolean {
  const mode = config.server.dataPlane.tls?.clientCertificates;
  return mode === 'optional' || mode === 'required';
}
