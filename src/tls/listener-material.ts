/**
 * A listener's certificate set, read from its cert folder (`server.crt`, `server.key`,
 * `ca.crt`, `crl.pem`) or from explicit files, checked (certificates parse, the key is
 * the certificate's, the CA is there when client certificates are asked for, OpenSSL
 * accepts the whole set) and turned into secure-context options. Used at start, by
 * check-config and by every reload, so all three refuse the same files.
 */
import { constants, createHash } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { join } from 'node:path';
import type { ListenerTlsConfig } from '../config/schema-tls.js';
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

interface FileRef {
  readonly path: string;
  /** A cert folder's ca.crt and crl.pem may be absent; explicitly named files may not. */
  readonly optional: boolean;
}

export interface ListenerTlsFiles {
  readonly cert: FileRef;
  readonly key: FileRef;
  readonly ca: FileRef | undefined;
  readonly crl: FileRef | undefined;
}

export function listenerTlsFiles(tls: ListenerTlsConfig, baseDir: string): ListenerTlsFiles {
  const folder = tls.certFolder === undefined ? undefined : resolvePath(baseDir, tls.certFolder);
  const pick = (explicit: string | undefined, name: string): FileRef | undefined => {
    if (explicit !== undefined) return { path: resolvePath(baseDir, explicit), optional: false };
    return folder === undefined ? undefined : { path: join(folder, name), optional: true };
  };
  const cert = pick(tls.cert, 'server.crt');
  const key = pick(tls.key, 'server.key');
  // The schema guarantees certFolder or both cert and key.
  if (!cert || !key) throw new TlsFileError('give certFolder, or both cert and key');
  return {
    cert: { ...cert, optional: false },
    key: { ...key, optional: false },
    ca: pick(tls.ca, 'ca.crt'),
    crl: pick(tls.crl, 'crl.pem'),
  };
}

export interface ListenerTlsMaterial {
  /** SHA-256 over every file's content: a reload that changes nothing is a no-op. */
  readonly fingerprint: string;
  readonly context: SecureContextOptions;
  /** Unix time (s) the served leaf certificate expires. */
  readonly serverExpiry: number;
  /** Unix time (s) the earliest client CA certificate expires, when there is one. */
  readonly caExpiry: number | undefined;
}

function read(ref: FileRef, what: string): Buffer | undefined {
  return ref.optional ? readOptionalTlsFile(ref.path, what) : readTlsFile(ref.path, what);
}

/** Reads the files' bytes only, for the cheap change check. */
export function fingerprintFiles(files: ListenerTlsFiles): string {
  const hash = createHash('sha256');
  for (const ref of [files.cert, files.key, files.ca, files.crl]) {
    const content = ref ? readOptionalTlsFile(ref.path, 'TLS file') : undefined;
    hash.update(content ? createHash('sha256').update(content).digest() : Buffer.alloc(32));
  }
  return hash.digest('hex');
}

/** Reads and checks the set; throws TlsFileError naming the file and the problem. */
export function loadListenerMaterial(tls: ListenerTlsConfig, files: ListenerTlsFiles): ListenerTlsMaterial {
  const fingerprint = fingerprintFiles(files);
  const cert = read(files.cert, 'the server certificate') as Buffer;
  const key = read(files.key, 'the server key') as Buffer;
  const chain = parseCertificates(cert, 'the server certificate', files.cert.path);
  checkKeyMatches(
    chain[0] as (typeof chain)[0],
    parsePrivateKey(key, 'the server key', files.key.path),
    files.cert.path,
    files.key.path,
  );
  const ca = files.ca ? read(files.ca, 'the client CA') : undefined;
  const crl = files.crl ? read(files.crl, 'the CRL') : undefined;
  if (tls.clientCertificates !== 'off' && !ca)
    throw new TlsFileError(
      `clientCertificates: ${tls.clientCertificates} needs the CA that signs client certificates (ca.crt in the cert folder, or ca)`,
    );
  const caCerts = ca && files.ca ? parseCertificates(ca, 'the client CA', files.ca.path) : undefined;
  const context: SecureContextOptions = {
    cert,
    key,
    minVersion: tls.minVersion,
    // No TLS 1.2 renegotiation: Node sets `authorized` after the first handshake only, so a
    // client could renegotiate with a certificate of any CA and be taken for its subject.
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
    ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
    ...(ca && tls.clientCertificates !== 'off' ? { ca } : {}),
    ...(crl && tls.clientCertificates !== 'off' ? { crl } : {}),
  };
  try {
    createSecureContext(context);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'rejected';
    throw new TlsFileError(`OpenSSL refuses the certificate set (${files.cert.path}): ${reason}`);
  }
  return {
    fingerprint,
    context,
    serverExpiry: earliestExpiry(chain.slice(0, 1)),
    caExpiry: caCerts ? earliestExpiry(caCerts) : undefined,
  };
}
