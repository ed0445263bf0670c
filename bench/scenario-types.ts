/** What a benchmark scenario is, as data: the proxy under test, its config, and the traffic. */

/** The process that sits between the load generator and the upstream. */
export type ProxyKind = 'none' | 'undici-passthrough' | 'http-proxy-passthrough' | 'gatehouse';

/** A Gatehouse configuration as a plain object (written to YAML with listener ports filled in). */
export type ConfigObject = Record<string, unknown>;

export interface ScenarioContext {
  /** Origin of the upstream, e.g. http://127.0.0.1:41234. */
  readonly upstreamUrl: string;
  /** A scratch folder for this run (token files, configs); removed on exit. */
  readonly workDir: string;
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
  /** Fixed-rate p99 minus the floor's fixed-rate p99 must stay under `maxMs`. */
  | { readonly kind: 'max-added-p99'; readonly maxMs: number };

export interface Scenario {
  /** Unique, used by `--only`. */
  readonly name: string;
  readonly description: string;
  readonly proxy: ProxyKind;
  /** Gatehouse only: the configuration; listeners, reload and shutdown settings are filled in. */
  readonly gatehouseConfig?: (ctx: ScenarioContext) => ConfigObject;
  /** The traffic; may write files (tokens) into ctx.workDir first. */
  readonly load: (ctx: ScenarioContext) => RequestShape | Promise<RequestShape>;
  /** Also measure latency at a fixed rate of half the floor's peak. */
  readonly fixedRate: boolean;
  readonly targets?: readonly TargetSpec[];
}
