/**
 * Metrics of the data plane's edge: TLS certificates (their expiry and reloads) and the
 * traffic policy (rate limits, failed-credential throttling, forward-auth decisions).
 * Part of GatehouseMetrics (metrics.ts), as `metrics.edge`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export function edgeMetrics(registry: Registry) {
  return {
    tlsCertificateExpiry: new Gauge({
      name: 'gatehouse_tls_certificate_expiry_seconds',
      help: "Unix time (s) a certificate in use expires: a listener's served certificate and client CA, an infrastructure's client certificate and CA. Alert on `gatehouse_tls_certificate_expiry_seconds - time() < 14 * 86400`.",
      labelNames: ['listener', 'infrastructure', 'certificate'] as const,
      registers: [registry],
    }),
    tlsReloads: new Counter({
      name: 'gatehouse_tls_reloads_total',
      help: 'Certificate-file reloads of a TLS listener, by result (success, failure: the old set keeps serving).',
      labelNames: ['listener', 'result'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'gatehouse_rate_limited_total',
      help: 'Requests refused with 429 by a rate limit, by deployment and limit name.',
      labelNames: ['deployment', 'limit'] as const,
      registers: [registry],
    }),
    failedCredentialBlocks: new Counter({
      name: 'gatehouse_failed_credential_blocks_total',
      help: 'Client addresses this replica started refusing after too many refused credentials.',
      registers: [registry],
    }),
    failedCredentialRefusals: new Counter({
      name: 'gatehouse_failed_credential_refusals_total',
      help: 'Requests refused with 429 because their address presented too many refused credentials.',
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'gatehouse_decisions_total',
      help: 'Forward-auth decisions answered, by outcome (allowed, refused).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type EdgeMetrics = ReturnType<typeof edgeMetrics>;
