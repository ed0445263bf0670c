/**
 * The data-plane certificate of the TLS scenarios: a self-signed EC P-256 certificate
 * for 127.0.0.1 and localhost, made with the openssl CLI once per run in the run's temp
 * folder (`<workDir>/tls/server.crt`, `server.key`: Gatehouse's certFolder layout).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchCertificate {
  /** The folder to give as `server.dataPlane.tls.certFolder`. */
  readonly certFolder: string;
  /** The certificate (PEM), which the preflight trusts as its CA. */
  readonly caPem: string;
}

/** Creates the certificate on the first call of a run; later calls return the same one. */
export function benchCertificate(workDir: string): BenchCertificate {
  const certFolder = join(workDir, 'tls');
  const cert = join(certFolder, 'server.crt');
  if (!existsSync(cert)) {
    mkdirSync(certFolder, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(certFolder, 'server.key'),
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=gatehouse-bench',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  return { certFolder, caPem: readFileSync(cert, 'utf8') };
}
