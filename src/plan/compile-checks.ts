/**
 * The checks of the compile step that can refuse a configuration, run without side
 * effects (no listener, no store, no JWKS fetch), so `check-config`, `start` and a
 * reload refuse the same files with the same key paths. Today: every listed
 * authentication method has an authenticator, and every key written in the file imports
 * with the very importer the verifier uses (the schema checks keys too, with the same
 * rules; this makes "check-config OK, start fails" impossible even if the two drifted).
 * Reference and route checks are in references.ts.
 */
import { allowedAlgorithms } from '../auth/jwt/algorithms.js';
import { importPublicJwk, importPublicPem, KeyImportError } from '../auth/jwt/import-keys.js';
import { checkTlsConfig } from '../tls/check-config.js';
import { formatKeyPath, type ConfigIssue } from '../config/issues.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { AuthMethodName, AuthSettingsConfig, PublicKeyProviderConfig } from '../config/schema-auth.js';

/**
 * Methods a Gatehouse started from a file provides: `public` (no authenticator),
 * `apiKeys` and `jwt` (compiled with the plan), `gatehouse` (the token service, always
 * running) and `mtls` (the data plane's client certificates: checkTlsConfig refuses it
 * when the data plane asks for none, naming the key). The admin API checks objects it
 * creates against the running server's registry the same way.
 */
export const PROVIDED_METHODS: ReadonlySet<AuthMethodName> = new Set([
  'public',
  'apiKeys',
  'jwt',
  'gatehouse',
  'mtls',
]);

function checkMethods(config: GatehouseConfig, issues: ConfigIssue[]): void {
  const check = (auth: AuthSettingsConfig | 'inherit', path: (string | number)[]): void => {
    if (auth === 'inherit') return;
    auth.methods.forEach((method, k) => {
      if (!PROVIDED_METHODS.has(method))
        issues.push({
          path: formatKeyPath([...path, 'methods', k]),
          message: `method "${method}" is not available on this server`,
        });
    });
  };
  config.services.forEach((service, s) =>
    service.versions.forEach((version, v) => check(version.auth, ['services', s, 'versions', v, 'auth'])),
  );
  config.deployments.forEach((d, i) => check(d.auth, ['deployments', i, 'auth']));
}

async function checkPublicKeyImports(
  provider: PublicKeyProviderConfig,
  index: number,
  issues: ConfigIssue[],
): Promise<void> {
  const allowed = allowedAlgorithms(provider);
  for (const [j, entry] of provider.keys.entries()) {
    const field = 'pem' in entry ? 'pem' : 'jwk';
    try {
      if ('pem' in entry) await importPublicPem(entry.pem, entry.kid, allowed);
      else await importPublicJwk(entry.jwk, entry.kid, allowed);
    } catch (err) {
      issues.push({
        path: formatKeyPath(['providers', index, 'keys', j, field]),
        message: err instanceof KeyImportError ? err.message : 'key could not be imported',
      });
    }
  }
}

/**
 * Every problem compiling this (schema-valid, reference-checked) configuration would hit.
 * `baseDir`: the config file's folder, for the TLS files (checked when given).
 */
export async function checkCompilable(config: GatehouseConfig, baseDir?: string): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  checkMethods(config, issues);
  if (baseDir !== undefined) issues.push(...checkTlsConfig(config, baseDir));
  // Every provider, used by a deployment or not: an unused one is checked now, not on the day it is used.
  for (const [i, provider] of config.providers.entries())
    if (provider.type === 'publicKey') await checkPublicKeyImports(provider, i, issues);
  return issues;
}
