/**
 * The JWKS of one provider, kept in memory.
 *
 * - Fetched at start; kept for a max age (config, or a shorter Cache-Control max-age,
 *   never below minRefresh); refreshed in the background before it expires (80 %).
 * - A token whose kid is unknown triggers at most one fetch per cooldown; concurrent
 *   callers share the one in-flight fetch. Random kids cannot make it fetch more.
 * - A failed fetch (network, timeout, HTTP status, invalid JSON, no usable key) never
 *   replaces the last good keys. They keep serving until maxAge + outageGrace after the
 *   last success; after that lookups answer `unavailable` (503) until a fetch succeeds.
 * - Discovery (optional) resolves jwks_uri once, retried like a failed fetch.
 * - Every fetch ends by fetchTimeoutMs (per document, held timer in http-fetch.ts), and
 *   `inFlight` is cleared on every path, so a hung endpoint cannot block later fetches.
 * - A successful fetch retires the keys it no longer publishes (key-life.ts): cached
 *   verifications made with them stop counting at once. stop() retires them all.
 *
 * Time comes from the injected clock; timers only make refreshes happen without traffic
 * (they are unref'd), lookups also start a due refresh themselves.
 */
import type { JwsAlgorithm } from './algorithms.js';
import { discoverJwksUri } from './discovery.js';
import { fetchJson, safeUrl, type FetchResult } from './http-fetch.js';
import { importJwks } from './jwks-keys.js';
import type { JwksCacheOptions } from './jwks-options.js';
import { JwksMetrics, type FetchReason } from './jwks-metrics.js';
import { effectiveMaxAgeMs, refreshDelayMs, retryDelayMs, type JwksTiming } from './jwks-timing.js';
import { KeyLives } from './key-life.js';
import { KeyRing } from './key-ring.js';
import type { KeyLookup, KeySource } from './key-source.js';

export type { JwksCacheOptions } from './jwks-options.js';

export class JwksCache implements KeySource {
  private ring: KeyRing | undefined;
  private keyCount = 0;
  private lastSuccessAt: number | undefined;
  private maxAgeMs: number;
  private jwksUri: string | undefined;
  private attempts = 0;
  private consecutiveFailures = 0;
  private lastFetchFailed = false;
  /** Clock time at which a background fetch is due (0: now). */
  private nextFetchAt = 0;
  private lastOnDemandAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopper = new AbortController();
  private readonly lives = new KeyLives();
  private readonly metrics: JwksMetrics;

  private readonly timing: JwksTiming;

  constructor(private readonly options: JwksCacheOptions) {
    const { cacheMaxAgeMs, minRefreshMs } = options;
    this.timing = {
      cacheMaxAgeMs,
      minRefreshMs,
      retryBaseMs: options.retryBaseMs ?? Math.min(1000, minRefreshMs),
    };
    this.maxAgeMs = options.cacheMaxAgeMs;
    this.metrics = new JwksMetrics(options.metrics, options.providerId);
    if ('jwksUri' in options.source) this.jwksUri = options.source.jwksUri;
  }

  start(): Promise<void> {
    return this.fetch();
  }

  stop(): void {
    this.stopper.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lives.retireAll();
  }

  async lookup(alg: JwsAlgorithm, kid: string | undefined): Promise<KeyLookup> {
    if (this.stopper.signal.aborted) return { kind: 'unavailable', description: 'provider stopped' };
    const now = this.options.clock.now();
    if (!this.inFlight && now >= this.nextFetchAt) void this.fetch();
    this.publish(now);
    if (!this.usable(now)) {
      if (!this.inFlight && this.onDemandAllowed(now)) void this.fetch();
      if (this.inFlight) await this.inFlight;
      if (!this.usable(this.options.clock.now()))
        return { kind: 'unavailable', description: 'signing keys of the token issuer are unavailable' };
    }
    const selection = this.ring?.select(alg, kid) ?? { kind: 'unknown' };
    if (selection.kind !== 'unknown') return selection;

    if (!this.inFlight && this.onDemandAllowed(now)) void this.fetch('unknown_kid');
    if (this.inFlight) {
      await this.inFlight;
      const retry = this.usable(this.options.clock.now()) ? this.ring?.select(alg, kid) : undefined;
      if (retry && retry.kind !== 'unknown') return retry;
    }
    // The issuer may have rotated while its endpoint fails: that is not the caller's fault.
    if (this.lastFetchFailed)
      return {
        kind: 'unavailable',
        description: 'signing key unknown and the issuer keys cannot be fetched',
      };
    return { kind: 'unknown_kid' };
  }

  lookupNow(alg: JwsAlgorithm, kid: string | undefined): KeyLookup | undefined {
    if (this.stopper.signal.aborted) return { kind: 'unavailable', description: 'provider stopped' };
    const now = this.options.clock.now();
    if (!this.usable(now)) return undefined;
    if (!this.inFlight && now >= this.nextFetchAt) void this.fetch();
    this.publish(now);
    const selection = this.ring?.select(alg, kid);
    return selection === undefined || selection.kind === 'unknown' ? undefined : selection;
  }

  private usable(now: number): boolean {
    return (
      this.ring !== undefined &&
      this.lastSuccessAt !== undefined &&
      now < this.lastSuccessAt + this.maxAgeMs + this.options.outageGraceMs
    );
  }

  private onDemandAllowed(now: number): boolean {
    if (now - this.lastOnDemandAt < this.options.unknownKidCooldownMs) return false;
    this.lastOnDemandAt = now;
    return true;
  }

  /** One fetch at a time: callers arriving while one runs share it. Never rejects. */
  private fetch(reason?: 'unknown_kid'): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.stopper.signal.aborted) return Promise.resolve();
    const effective: FetchReason = reason ?? (this.attempts === 0 ? 'initial' : 'refresh');
    this.attempts++;
    clearTimeout(this.timer);
    const run = this.runFetch(effective);
    this.inFlight = run;
    return run;
  }

  /** Whatever happens (answer, failure, timeout, abort, a throw), clears `inFlight` and schedules. */
  private async runFetch(reason: FetchReason): Promise<void> {
    try {
      await this.fetchOnce(reason);
    } catch (error) {
      try {
        this.failed(reason, 'network_error', String(error));
      } catch {
        // Recording the failure threw (the logger): the fetch still ends here.
      }
    } finally {
      this.inFlight = undefined;
      this.schedule();
    }
  }

  private async fetchOnce(reason: FetchReason): Promise<void> {
    const { fetchTimeoutMs: timeoutMs } = this.options;
    const signal = this.stopper.signal;
    if (this.jwksUri === undefined && 'discoveryIssuer' in this.options.source) {
      const discovered = await discoverJwksUri(this.options.source.discoveryIssuer, {
        timeoutMs,
        signal,
        allowInsecureHttp: this.options.allowInsecureHttp ?? false,
      });
      if (!discovered.ok)
        return this.failed(
          'discovery',
          discovered.result,
          discovered.detail,
          discovered.url,
          discovered.status,
        );
      this.metrics.fetched('discovery', 'success');
      this.jwksUri = discovered.jwksUri;
    }
    const url = this.jwksUri;
    if (url === undefined) return;
    const answer = await fetchJson(url, { timeoutMs, signal });
    if (!answer.ok) return this.failed(reason, answer.result, answer.detail, url, answer.status);
    const imported = await importJwks(answer.body, this.options.algorithms);
    if (!imported.ok) return this.failed(reason, 'invalid', imported.detail, url);
    if (signal.aborted) return;

    const now = this.options.clock.now();
    this.ring = new KeyRing(this.lives.renew(imported.keys), { unkeyedFallback: false });
    this.keyCount = imported.usable;
    this.lastSuccessAt = now;
    this.maxAgeMs = effectiveMaxAgeMs(answer.maxAgeSec, this.timing);
    this.nextFetchAt = now + refreshDelayMs(this.maxAgeMs, this.timing);
    this.consecutiveFailures = 0;
    this.lastFetchFailed = false;
    this.metrics.fetched(reason, 'success');
    this.publish(now);
    if (imported.skipped > 0)
      this.options.logger.debug(
        { provider: this.options.providerId, usable: imported.usable, skipped: imported.skipped },
        'JWKS keys skipped (use, alg or type not accepted)',
      );
  }

  private failed(
    reason: FetchReason,
    result: Exclude<FetchResult, 'success'>,
    detail: string,
    url?: string,
    status?: number,
  ): void {
    if (this.stopper.signal.aborted) return;
    const now = this.options.clock.now();
    this.consecutiveFailures++;
    this.lastFetchFailed = true;
    const backoff = retryDelayMs(this.consecutiveFailures, this.timing);
    this.nextFetchAt = now + backoff;
    this.metrics.fetched(reason, result);
    this.publish(now);
    this.options.logger.warn(
      {
        provider: this.options.providerId,
        ...(url === undefined ? {} : { url: safeUrl(url) }),
        fetch: reason,
        result,
        ...(status === undefined ? {} : { status }),
        detail,
        keysServing: this.usable(now),
        retryInMs: backoff,
      },
      reason === 'discovery' ? 'OIDC discovery failed' : 'JWKS fetch failed',
    );
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopper.signal.aborted) return;
    const delay = Math.max(0, this.nextFetchAt - this.options.clock.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fetch();
    }, delay);
    this.timer.unref();
  }

  /** Keeps the keys and stale gauges in step with what lookups would serve now. */
  private publish(now: number): void {
    const serving = this.usable(now);
    const pastMaxAge = this.lastSuccessAt !== undefined && now >= this.lastSuccessAt + this.maxAgeMs;
    this.metrics.serving(serving ? this.keyCount : 0, serving && this.lastFetchFailed && pastMaxAge);
  }
}
