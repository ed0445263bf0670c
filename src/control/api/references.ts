/**
 * Cross-checks an object created through the API must pass before it is stored, so the
 * merged configuration (file + API objects) always compiles: the same checkReferences
 * the file goes through, run on a configuration holding just the new settings.
 */
import { checkReferences } from '../../config/references.js';
import type { GatehouseConfig } from '../../config/schema.js';
import type { AuthMethodName, AuthSettingsConfig } from '../../config/schema-auth.js';
import { validationFailed, type FieldIssue } from './validation.js';

const PROBE_PATH = 'services[0].versions[0].auth';

/**
 * Every method `auth` lists must be available on this server (a deployment listing one
 * that is not would stop the whole plan from compiling), and the JWT providers it names
 * must exist in the file, with distinct issuers. 422 naming the field otherwise.
 */
export function checkAuthReferences(
  file: GatehouseConfig,
  available: ReadonlySet<AuthMethodName>,
  auth: AuthSettingsConfig | 'inherit',
  field = 'auth',
): void {
  if (auth === 'inherit') return;
  const unavailable: FieldIssue[] = auth.methods.flatMap((method, i) =>
    available.has(method)
      ? []
      : [{ path: `${field}.methods[${i}]`, message: `method "${method}" is not available on this server` }],
  );
  if (unavailable.length > 0) throw validationFailed(unavailable);
  const probe: GatehouseConfig = {
    ...file,
    infrastructures: [],
    deployments: [],
    services: [{ id: 'probe', permissions: {}, versions: [{ id: 'probe', auth }] }],
  };
  const issues: FieldIssue[] = checkReferences(probe)
    .filter((i) => i.path.startsWith(PROBE_PATH))
    .map((i) => ({ path: field + i.path.slice(PROBE_PATH.length), message: i.message }));
  if (issues.length > 0) throw validationFailed(issues);
}
