/**
 * A deployment's traffic policy, compiled into the plan with the deployment: its rate
 * limits (the deployment's list, else the one in its effective auth settings) and its
 * CORS policy. Undefined when it has neither, and the data plane then pays nothing.
 */
import type { AuthSettingsConfig } from '../config/schema-auth.js';
import type { DeploymentConfig } from '../config/schema.js';
import { compileCors, type CorsPolicy } from './cors.js';
import { compileDeploymentLimits, type DeploymentLimits } from './rate-spec.js';

export interface DeploymentTraffic {
  readonly limits: DeploymentLimits | undefined;
  readonly cors: CorsPolicy | undefined;
}

export function compileDeploymentTraffic(
  d: DeploymentConfig,
  auth: AuthSettingsConfig,
): DeploymentTraffic | undefined {
  const limits = compileDeploymentLimits(d.rateLimits, auth.rateLimits);
  const cors = d.cors ? compileCors(d.cors) : undefined;
  return limits || cors ? { limits, cors } : undefined;
}
