/**
 * Reading PEM files for TLS: certificates split out of a bundle and parsed (so a broken
 * file is refused with a clear reason before Node ever serves it), private keys checked
 * against their certificate. Errors name the file and what is wrong, never its content.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export class TlsFileError extends Error {
  override readonly name = 'TlsFileError';
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A configured path, relative ones against the config file's folder. */
export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TlsFileError(`${what} ${path} cannot be read (${code})`);
  }
}

/** Like readTlsFile, but a missing file is undefined (optional files of a cert folder). */
export function readOptionalTlsFile(path: string, what: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return readTlsFile(path, what);
  }
}

/** Every certificate of a PEM bundle, in order; at least one. */
export function parseCertificates(pem: Buffer, what: string, path: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new TlsFileError(`${what} ${path} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new TlsFileError(`${what} ${path}: certificate ${i + 1} cannot be parsed`);
    }
  });
}

export function parsePrivateKey(pem: Buffer, what: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TlsFileError(`${what} ${path} is not a PEM private key (or it is encrypted)`);
  }
}

/** The certificate must be the key's (else every handshake would fail). */
export function checkKeyMatches(
  leaf: X509Certificate,
  key: KeyObject,
  certPath: string,
  keyPath: string,
): void {
  if (!leaf.checkPrivateKey(key))
    throw new TlsFileError(`the key ${keyPath} does not belong to the certificate ${certPath}`);
}

/** Unix time (s) at which the earliest of these certificates expires. */
export function earliestExpiry(certificates: readonly X509Certificate[]): number {
  return Math.min(...certificates.map((c) => Date.parse(c.validTo) / 1000));
}
