/**
 * An infrastructure's upstream TLS (`infrastructures[].tls`) as the connect options of
 * its nodes' connection pools: the CA to verify them with (else the system roots), the
 * client certificate for upstream mTLS, the SNI name, and (loudly) no verification.
 * Files are read when the pool is created (start, or a reload that changes the
 * infrastructure); the client certificate's and CA's expiry are exported as metrics.
 */
import { join } from 'node:path';
import type { InfrastructureConfig } from '../config/schema-upstream.js';
import type { UpstreamTlsConfig } from '../config/schema-tls.js';
import type { Logger } from '../observability/log.js';
import type { GatehouseMetrics } from '../observability/metrics.js';
import type { UpstreamTlsOptions } from '../proxy/forwarder.js';
import {
  checkKeyMatches,
  earliestExpiry,
  parseCertificates,
  parsePrivateKey,
  readOptionalTlsFile,
  readTlsFile,
  resolvePath,
  TlsFileError,
} from './pem.js';

export interface LoadedUpstreamTls {
  readonly options: UpstreamTlsOptions;
  readonly clientCertExpiry: number | undefined;
  readonly caExpiry: number | undefined;
}

/** Reads and checks the files; throws TlsFileError naming the file and the problem. */
export function loadUpstreamTls(tls: UpstreamTlsConfig, baseDir: string): LoadedUpstreamTls {
  const folder = tls.certFolder === undefined ? undefined : resolvePath(baseDir, tls.certFolder);
  const file = (explicit: string | undefined, name: string, what: string): [string, Buffer] | undefined => {
    if (explicit !== undefined) {
      const path = resolvePath(baseDir, explicit);
      return [path, readTlsFile(path, what)];
    }
    if (folder === undefined) return undefined;
    const path = join(folder, name);
    const content = readOptionalTlsFile(path, what);
    return content ? [path, content] : undefined;
  };
  const ca = file(tls.ca, 'ca.crt', 'the upstream CA');
  const cert = file(tls.clientCert, 'client.crt', 'the upstream client certificate');
  const key = file(tls.clientKey, 'client.key', 'the upstream client key');
  if ((cert === undefined) !== (key === undefined))
    throw new TlsFileError(
      `${folder ?? 'the cert folder'} has one of client.crt and client.key but not the other`,
    );
  const caCerts = ca ? parseCertificates(ca[1], 'the upstream CA', ca[0]) : undefined;
  let clientCertExpiry: number | undefined;
  if (cert && key) {
    const chain = parseCertificates(cert[1], 'the upstream client certificate', cert[0]);
    checkKeyMatches(
      chain[0] as (typeof chain)[0],
      parsePrivateKey(key[1], 'the upstream client key', key[0]),
      cert[0],
      key[0],
    );
    clientCertExpiry = earliestExpiry(chain.slice(0, 1));
  }
  return {
    options: {
      ...(ca ? { ca: ca[1].toString('utf8') } : {}),
      ...(cert && key ? { cert: cert[1].toString('utf8'), key: key[1].toString('utf8') } : {}),
      ...(tls.servername ? { servername: tls.servername } : {}),
      ...(tls.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    },
    clientCertExpiry,
    caExpiry: caCerts ? earliestExpiry(caCerts) : undefined,
  };
}

/** What PoolRegistry asks for each infrastructure it builds a pool for. */
export function createUpstreamTlsProvider(deps: {
  readonly baseDir: string;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
}): (infra: InfrastructureConfig) => UpstreamTlsOptions | undefined {
  return (infra) => {
    if (!infra.tls) return undefined;
    const loaded = loadUpstreamTls(infra.tls, deps.baseDir);
    if (infra.tls.insecureSkipVerify)
      deps.logger.warn(
        { infrastructure: infra.id },
        'INSECURE: tls.insecureSkipVerify is set: the nodes of this infrastructure are not authenticated, anyone on the path can impersonate them',
      );
    const gauge = deps.metrics.edge.tlsCertificateExpiry;
    if (loaded.clientCertExpiry !== undefined)
      gauge.labels('', infra.id, 'client').set(loaded.clientCertExpiry);
    if (loaded.caExpiry !== undefined) gauge.labels('', infra.id, 'ca').set(loaded.caExpiry);
    return loaded.options;
  };
}
