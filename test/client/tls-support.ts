/**
 * TLS material and a TLS-terminating proxy for the client tests. Gatehouse has no TLS
 * listener requiring client certificates yet (issue #11), so a Node `https` server that
 * requires one forwards to a real Gatehouse admin listener. openssl makes a CA, a server
 * certificate for 127.0.0.1 and a client certificate (CN alice-laptop).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export /** A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'alice-laptop'],
  ] as const) {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
}

export interface TlsProxy {
  readonly url: string;
  /** The client certificate CN of every request forwarded (nothing without a valid one). */
  readonly forwarded: string[];
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 requiring a client certificate of the CA in `dir`, forwarding to `target`. */
export async function startTlsProxy(dir: string, target: string): Promise<TlsProxy> {
  const admin = new URL(target);
  const forwarded: string[] = [];
  const proxy = createServer(
    {
      key: readFileSync(join(dir, 'server.key')),
      cert: readFileSync(join(dir, 'server.crt')),
      ca: readFileSync(join(dir, 'ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      forwarded.push(String(peer.subject?.CN));
      const upstream = httpRequest(
        { host: admin.hostname, port: admin.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    forwarded,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** A cert folder `name` in `dir` with the given generated files. */
export function certFolder(dir: string, name: string, files: readonly string[]): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  for (const f of files) copyFileSync(join(dir, f), join(path, f));
  return path;
}
