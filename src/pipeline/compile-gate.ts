import { ANONYMOUS, type Admission, type Gate } from '../auth/types.js';
import type { AuthSettingsConfig } from '../config/schema-auth.js';
import { IDENTITY_HEADER_NAMES, standardIdentityHeaders } from './identity-headers.js';

const ADMIT_ANONYMOUS: Admission = Object.freeze({ allowed: true, identity: ANONYMOUS });

/** Compiles a deployment's effective authorization settings into its gate. */
export async function compileGate(_settings: AuthSettingsConfig): Promise<Gate> {
  await Promise.resolve();
  return {
    admit: () => ADMIT_ANONYMOUS,
    identityHeaderNames: new Set(IDENTITY_HEADER_NAMES),
    identityHeaders: standardIdentityHeaders,
  };
}
