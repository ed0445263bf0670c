/** What a benchmark scenario is, as data: the proxy under test, its config, and the traffic. */
import type { AuthMaterial } from './auth/material.js';

/** The process that sits between the load generator and the upstream. */
export type ProxyKind = 'none' | 'undici-passthrough' | 'http-proxy-passthrough' | 'gatehouse';

/** A Gatehouse configuration as a plain object (written to YAML with listener ports filled in). */
export type ConfigObject = Record<string, unknown>;

export interface ScenarioContext {
  /** Origin of the upstream, e.g. http://127.0.0.1:41234. */
  readonly upstreamUrl: string;
  /** A scratch folder for this run (token files, configs); removed on exit. */
  readonly workDir: string;
  /** Credentials of the auth scenarios (API key, HMAC secret, RSA key, tokens, the JWKS URL). */
  readonly auth: AuthMaterial;
}

/** The requests the load generator sends. */
export interface RequestShape {
  /** Paths requested: one is fixed; with several, each request picks one at random. */
  readonly paths: readonly string[];
  /** Headers sent on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A file with one `Name: value` header line per request, used in turn (wraps around):
   * distinct credentials per request. The scenario writes it in `ctx.workDir`.
   */
  readonly headersFile?: string;
}

/** A pass/fail line printed after the tables. */
export type TargetSpec =
  /** req/s of this scenario divided by the floor's (undici passthrough) must reach `min`. */
  | { readonly kind: 'min-ratio-vs-floor'; readonly min: number }
  /** req/s must stay within `tolerance` (0.1 = 10 %) below that of scenario `of`. */
  | { readonly kind: 'flat-vs'; readonly of: string; readonly tolerance: number }
  /** Proxy CPU µs per request divided by the floor's must stay at or under `max`. */
  | { readonly kind: 'max-cpu-ratio-vs-floor'; readonly max: number }
  /** Fixed-rate p99 minus the floor's fixed-rate p99 must stay under `maxMs`. */
  | { readonly kind: 'max-added-p99'; readonly maxMs: number }
  /** The same for p99.9. */
  | { readonly kind: 'max-added-p999'; readonly maxMs: number };

/**
 * What proves that an auth scenario measured the auth path: before the load, a request
 * without the credential (and one with it altered) must get 401; after each run,
 * `gatehouse_auth_outcomes_total` must count every served request as allowed by
 * `method` and none refused, and the JWT cache must have been warm or cold as stated.
 */
export interface AuthExpectation {
  /** The header carrying the credential (in `headers` or in the headers file). */
  readonly credentialHeader: string;
  /** The method label the admitted requests must be counted under. */
  readonly method: 'apiKeys' | 'jwt';
  /** JWT only: nearly every lookup hits the verified-token cache (warm), or nearly none (cold). */
  readonly jwtCache?: 'warm' | 'cold';
}

/**
 * How the load generator talks to the proxy: plain HTTP/1.1 (wrk), HTTP/1.1 over TLS
 * (wrk), or HTTP/2 over TLS (h2load). Both TLS transports serve Gatehouse's data plane
 * from a certificate made for the run.
 */
export type Transport = 'http' | 'https' | 'h2';

export interface Scenario {
  /** Unique, used by `--only`. */
  readonly name: string;
  readonly description: string;
  readonly proxy: ProxyKind;
  /** Default `http`; `https` and `h2` are Gatehouse only and have no fixed-rate run. */
  readonly transport?: Transport;
  /** Gatehouse only: the configuration; listeners, reload and shutdown settings are filled in. */
  readonly gatehouseConfig?: (ctx: ScenarioContext) => ConfigObject;
  /** The traffic; may write files (tokens) into ctx.workDir first. */
  readonly load: (ctx: ScenarioContext) => RequestShape | Promise<RequestShape>;
  /** Also measure latency at a fixed rate of half the floor's peak. */
  readonly fixedRate: boolean;
  readonly targets?: readonly TargetSpec[];
  /** Auth scenarios: how to prove the credential was really checked (Gatehouse only). */
  readonly auth?: AuthExpectation;
  /**
   * Gatehouse only: `server.workers`. Above 1 a primary forks that many worker processes;
   * the CPU figures are the sum over the primary and its workers either way.
   */
  readonly workers?: number;
  /**
   * Where the proxy may run: its own core (`proxy`, the default, `--proxy-cpu`) or every
   * core of the machine (`all`: unpinned, sharing the load core with wrk and the upstream).
   */
  readonly cores?: 'proxy' | 'all';
}
