/** Shared bits of the JWT tests: deps with a capturing logger, metric reads. */
import type { DestinationStream } from 'pino';
import { ManualClock, type Clock } from '../../../src/clock.js';
import type { JwksProviderConfig } from '../../../src/config/schema-auth.js';
import { createLogger, type Logger } from '../../../src/observability/log.js';
import { GatehouseMetrics } from '../../../src/observability/metrics.js';
import type { JwtVerifierDeps } from '../../../src/auth/jwt/types.js';
import { fixtureProvider } from '../../helpers/token-fixtures.js';
import type { TestKeys } from '../../helpers/keys.js';

export interface TestDeps extends JwtVerifierDeps {
  readonly clock: Clock;
  readonly metrics: GatehouseMetrics;
  readonly logger: Logger;
  /** Every log line written, as text. */
  readonly logLines: string[];
}

export function testDeps(clock: Clock = new ManualClock(Date.UTC(2026, 10, 22, 10, 0, 0))): TestDeps {
  const logLines: string[] = [];
  const destination: DestinationStream = { write: (line: string) => void logLines.push(line) };
  return {
    clock,
    metrics: new GatehouseMetrics({ defaultMetrics: false }),
    logger: createLogger('debug', destination),
    logLines,
  };
}

/** Current value of a metric for the given labels (0 when never set). */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return match?.value ?? 0;
}

export interface JwksTuningSec {
  cacheMaxAgeSec?: number;
  minRefreshSec?: number;
  unknownKidCooldownSec?: number;
  fetchTimeoutMs?: number;
  outageGraceSec?: number;
}

/**
 * The fixture jwks provider on `jwksUri`, with tuning overridden after parsing (tests
 * use values below the schema's minimums; the classes work in ms internally).
 */
export function jwksProvider(
  keys: TestKeys,
  jwksUri: string,
  tuning: JwksTuningSec = {},
  extra: Record<string, unknown> = {},
): JwksProviderConfig {
  const parsed = fixtureProvider(keys, 'jwks', { jwksUri, ...extra });
  if (parsed.type !== 'jwks') throw new Error('expected a jwks provider');
  return { ...parsed, jwks: { ...parsed.jwks, ...tuning } };
}
