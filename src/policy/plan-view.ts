/**
 * What the traffic policy reads of the running plan and of a routed deployment. The
 * plan (src/plan/) satisfies these structurally; policy/ sits below plan/ in the layer
 * order and so names only what it needs.
 */
import type { Admission, MaybePromise } from '../auth/types.js';
import type { FailedCredentialsConfig } from '../config/schema-policy.js';
import type { IncomingMessage } from 'node:http';
import type { ProxyTrust } from '../proxy/forwarded.js';
import type { Router } from '../routing/router.js';
import type { DeploymentTraffic } from './deployment-traffic.js';

export interface TrafficDeployment {
  readonly id: string;
  readonly enabled: boolean;
  readonly gate: { admit(req: IncomingMessage): MaybePromise<Admission> };
  readonly traffic: DeploymentTraffic | undefined;
}

export interface TrafficPlan {
  readonly router: Router<TrafficDeployment>;
  readonly proxyTrust: ProxyTrust;
  /** `server.dataPlane.failedCredentials`, compiled into the plan. */
  readonly failedCredentials: FailedCredentialsConfig;
}

/** What `admit` needs of a routed request (the data plane's Routed satisfies it). */
export interface RoutedRequest {
  readonly plan: TrafficPlan;
  readonly deployment: TrafficDeployment;
}

/**
 * Where the policy puts the headers of an admitted request (CORS, RateLimit): the
 * ServerResponse, or, for a WebSocket handshake, a collection the upgrade door keeps.
 */
export interface AnswerHeaders {
  setHeader(name: string, value: string): unknown;
  readonly headersSent: boolean;
}
