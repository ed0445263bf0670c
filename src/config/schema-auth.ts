/**
 * The authentication part of the config schema, split in two: JWT providers in
 * schema-providers.ts and per-version/per-deployment authorization settings in
 * schema-auth-settings.ts. This file only re-exports both, so the modules outside
 * src/config that import from here keep working while the folders are restructured;
 * new code imports from the two files directly.
 */
export {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  createProviderSchema,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type HmacProviderConfig,
  type JwksProviderConfig,
  type ProviderConfig,
  type PublicKeyProviderConfig,
} from './schema-providers.js';
export {
  AUTH_METHODS,
  authSettingsSchema,
  type AuthMethodName,
  type AuthSettingsConfig,
} from './schema-auth-settings.js';
