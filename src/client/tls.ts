/**
 * TLS settings for talking to Gatehouse: a CA file to trust, `nosslverify` (development
 * only), and a client certificate folder (`ca.crt`, `client.crt`, `client.key`) for a
 * listener that requires client certificates. Files are read once, when the client is made.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from './errors.js';

export interface TlsSettings {
  /** A PEM file of CA certificates to trust instead of the system's. */
  readonly cacert?: string | undefined;
  /** Do not verify the server's certificate (development only). */
  readonly nosslverify?: boolean | undefined;
  /** A folder with `client.crt` and `client.key` (and optionally `ca.crt`) for mTLS. */
  readonly certFolder?: string | undefined;
}

/** What node:tls needs (the `connect` options of an undici Agent). */
export interface TlsConnectOptions {
  readonly ca?: string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized?: boolean;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigurationError(`cannot read the ${what} ${path} (${code})`);
  }
}

/** Undefined when nothing differs from Node's defaults. */
export function tlsConnectOptions(settings: TlsSettings): TlsConnectOptions | undefined {
  const ca: string[] = [];
  let cert: string | undefined;
  let key: string | undefined;
  if (settings.cacert) ca.push(readPem(settings.cacert, 'CA file'));
  if (settings.certFolder) {
    cert = readPem(join(settings.certFolder, 'client.crt'), 'client certificate');
    key = readPem(join(settings.certFolder, 'client.key'), 'client key');
    try {
      ca.push(readFileSync(join(settings.certFolder, 'ca.crt'), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const options: TlsConnectOptions = {
    ...(ca.length > 0 ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...(settings.nosslverify ? { rejectUnauthorized: false } : {}),
  };
  return Object.keys(options).length > 0 ? options : undefined;
}
