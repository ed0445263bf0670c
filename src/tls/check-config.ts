/**
 * The TLS checks of check-config, start and reload, at their key paths: every TLS
 * listener's certificate set loads (files readable, certificates parse, key matches,
 * CA present for client certificates), every infrastructure's upstream TLS files load,
 * `plainHttp` only beside a TLS data plane, and method `mtls` only where the data plane
 * asks clients for certificates.
 */
import { formatKeyPath, type ConfigIssue } from '../config/issues.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { AuthSettingsConfig } from '../config/schema-auth.js';
import type { ListenerTlsConfig } from '../config/schema-tls.js';
import { listenerTlsFiles, loadListenerMaterial } from './listener-material.js';
import { dataPlaneSuppliesClientCertificates } from './listeners.js';
import { TlsFileError } from './pem.js';
import { loadUpstreamTls } from './upstream-tls.js';

function describe(err: unknown): string {
  return err instanceof TlsFileError ? err.message : 'the TLS files cannot be used';
}

function checkListener(
  tls: ListenerTlsConfig | undefined,
  path: string[],
  baseDir: string,
  issues: ConfigIssue[],
): void {
  if (!tls) return;
  try {
    loadListenerMaterial(tls, listenerTlsFiles(tls, baseDir));
  } catch (err) {
    issues.push({ path: formatKeyPath(path), message: describe(err) });
  }
}

function checkMtlsMethod(config: GatehouseConfig, issues: ConfigIssue[]): void {
  if (dataPlaneSuppliesClientCertificates(config)) return;
  const check = (auth: AuthSettingsConfig | 'inherit', path: (string | number)[]): void => {
    if (auth === 'inherit') return;
    const k = auth.methods.indexOf('mtls');
    if (k !== -1)
      issues.push({
        path: formatKeyPath([...path, 'methods', k]),
        message:
          'method "mtls" needs client certificates: set server.dataPlane.tls.clientCertificates to optional or required',
      });
  };
  config.services.forEach((service, s) =>
    service.versions.forEach((version, v) => check(version.auth, ['services', s, 'versions', v, 'auth'])),
  );
  config.deployments.forEach((d, i) => check(d.auth, ['deployments', i, 'auth']));
}

export function checkTlsConfig(config: GatehouseConfig, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { dataPlane, admin } = config.server;
  checkListener(dataPlane.tls, ['server', 'dataPlane', 'tls'], baseDir, issues);
  checkListener(admin.tls, ['server', 'admin', 'tls'], baseDir, issues);
  if (dataPlane.plainHttp && !dataPlane.tls)
    issues.push({
      path: 'server.dataPlane.plainHttp',
      message:
        'is a second listener beside a TLS data plane; without server.dataPlane.tls the data plane is plain HTTP already',
    });
  config.infrastructures.forEach((infra, i) => {
    if (!infra.tls) return;
    try {
      loadUpstreamTls(infra.tls, baseDir);
    } catch (err) {
      issues.push({ path: formatKeyPath(['infrastructures', i, 'tls']), message: describe(err) });
    }
  });
  checkMtlsMethod(config, issues);
  return issues;
}
