/** Gatehouse configurations for the scenarios, as plain objects. */
import type { ConfigObject, ScenarioContext } from './scenario-types.js';

export interface PublicConfigOptions {
  /** Number of services, each with one public deployment on the same infrastructure. */
  readonly deployments: number;
  /** Production default: true (one JSON line per request). */
  readonly accessLog?: boolean;
}

/** The base path of deployment `index` in publicDeployments (the default `/public/api/v1/{serviceId}`). */
export function publicBasePath(index: number): string {
  return `/public/api/v1/svc${index}`;
}

/** `deployments` public deployments (svc0/dep0 …) on one infrastructure pointing at the upstream. */
export function publicDeployments(ctx: ScenarioContext, options: PublicConfigOptions): ConfigObject {
  const indexes = Array.from({ length: options.deployments }, (_, i) => i);
  return {
    logging: { level: 'info', accessLog: options.accessLog ?? true },
    infrastructures: [{ id: 'bench', stage: 'prod', nodes: [ctx.upstreamUrl] }],
    services: indexes.map((i) => ({
      id: `svc${i}`,
      versions: [{ id: 'v1', auth: { methods: ['public'] } }],
    })),
    deployments: indexes.map((i) => ({
      id: `dep${i}`,
      service: `svc${i}`,
      version: 'v1',
      infrastructure: 'bench',
    })),
  };
}

export interface Listeners {
  readonly dataPort: number;
  readonly adminPort: number;
}

/** Fills in the listeners on 127.0.0.1 and turns file watching off; everything else is the scenario's. */
export function withListeners(config: ConfigObject, listeners: Listeners): ConfigObject {
  return {
    ...config,
    server: {
      dataPlane: { host: '127.0.0.1', port: listeners.dataPort },
      admin: { host: '127.0.0.1', port: listeners.adminPort },
      reload: { watch: false },
      shutdown: { drainTimeoutMs: 1000 },
    },
  };
}
