/**
 * Method `mtls`: the request's verified TLS client certificate is the credential. No
 * certificate (plain listener, or none sent under `optional`) is `not-mine`; one that
 * failed verification (other CA, expired, revoked by the CRL) is rejected (401); a
 * valid one that maps to no identity is 403 `forbidden`. The identity carries the
 * certificate's SHA-256 fingerprint (X-Auth-Key-Id) and expires with the certificate.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LRUCache } from 'lru-cache';
import { DEFAULT_MTLS_SETTINGS, type MtlsSettingsConfig } from '../../config/schema-mtls.js';
import { NOT_MINE, rejected, type Authenticator, type AuthnResult } from '../authenticator.js';
import type { MethodRegistry } from '../method-registry.js';
import type { Identity } from '../types.js';
import { certificateFacts, compileCertificateMapping } from './mtls-identity.js';

const NO_IDENTITY: AuthnResult = Object.freeze({
  outcome: 'rejected',
  code: 'invalid_token',
  forbidden: true,
  reason: 'certificate_unmapped',
  description: 'The client certificate is valid but maps to no identity this deployment knows.',
});

export function createMtlsAuthenticator(settings: MtlsSettingsConfig | undefined): Authenticator {
  const map = compileCertificateMapping(settings ?? DEFAULT_MTLS_SETTINGS);
  // Mapped identities by certificate fingerprint; `false`: maps to none.
  const cache = new LRUCache<string, Identity | false>({ max: 10_000 });
  return {
    method: 'mtls',
    schemes: [],
    authenticate(_credentials, req: IncomingMessage): AuthnResult {
      const socket = req.socket as TLSSocket | null;
      if (!socket?.encrypted) return NOT_MINE;
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.fingerprint256) return NOT_MINE;
      if (!socket.authorized)
        return rejected(
          'certificate_untrusted',
          `The client certificate is not accepted (${String(socket.authorizationError ?? 'not verified')}).`,
        );
      let identity = cache.get(cert.fingerprint256);
      if (identity === undefined) {
        const mapped = map(certificateFacts(cert));
        identity = mapped
          ? {
              subject: mapped.subject,
              method: 'mtls',
              provider: 'client-certificate',
              credentialId: cert.fingerprint256,
              groups: mapped.groups,
              scopes: mapped.scopes,
              restrictedToScopes: true,
              expiresAt: Date.parse(cert.valid_to),
            }
          : false;
        cache.set(cert.fingerprint256, identity);
      }
      return identity ? { outcome: 'authenticated', identity } : NO_IDENTITY;
    },
  };
}

/** Makes method `mtls` available to deployments (when the data plane asks for client certificates). */
export function registerMtlsMethod(registry: MethodRegistry): void {
  registry.register('mtls', ({ settings }) => createMtlsAuthenticator(settings.mtls));
}
