import { routeKey } from '../config/route-key.js';

/** One route: a base path, optionally restricted to a host, leading to a value (a deployment). */
export interface RouteDefinition<T> {
  readonly host: string | undefined;
  readonly basePath: string;
  readonly value: T;
}

export interface RouteMatch<T> {
  readonly value: T;
  readonly basePath: string;
}

interface TrieNode<T> {
  /** Absent on a leaf (most nodes): 10,000 routes need not allocate 10,000 empty maps. */
  children: Map<string, TrieNode<T>> | undefined;
  match: RouteMatch<T> | undefined;
}

function createNode<T>(): TrieNode<T> {
  return { children: undefined, match: undefined };
}

/** Base-path prefix tree by path segment: lookup cost depends on path depth only. */
class PathTrie<T> {
  private readonly root = createNode<T>();

  insert(basePath: string, value: T): void {
    let node = this.root;
    if (basePath !== '/') {
      for (const segment of basePath.slice(1).split('/')) {
        const children = (node.children ??= new Map<string, TrieNode<T>>());
        let child = children.get(segment);
        if (!child) {
          child = createNode<T>();
          children.set(segment, child);
        }
        node = child;
      }
    }
    node.match = { value, basePath };
  }

  /**
   * Longest base path that is a segment-wise prefix of `path`; null when a segment
   * with path parameters would name a route segment once its parameters are dropped.
   */
  lookup(path: string): RouteMatch<T> | null | undefined {
    let node = this.root;
    let best = node.match;
    let start = 1;
    const length = path.length;
    while (start < length) {
      let end = path.indexOf('/', start);
      if (end === -1) end = length;
      const segment = path.slice(start, end);
      const child = node.children?.get(segment);
      if (!child) {
        // "admin;v=1" is not the route segment "admin" here, but Servlet containers drop
        // ";v=1" and would serve the "admin" deployment's paths through this one.
        const semi = segment.indexOf(';');
        if (semi > 0 && node.children?.has(segment.slice(0, semi)) === true) return null;
        break;
      }
      node = child;
      if (node.match) best = node.match;
      start = end + 1;
    }
    return best;
  }
}

export class DuplicateRouteError extends Error {}

export interface RouteTables<T> {
  readonly exact: Map<string, PathTrie<T>>;
  readonly wildcard: Map<string, PathTrie<T>>;
  readonly anyHost: PathTrie<T>;
  readonly size: number;
}

/**
 * Builds a Router one route at a time, so a plan compiled in slices (10,000 deployments)
 * inserts each route as it goes instead of building the whole table in one call.
 */
export class RouterBuilder<T> {
  private readonly exact = new Map<string, PathTrie<T>>();
  private readonly wildcard = new Map<string, PathTrie<T>>();
  private readonly anyHost = new PathTrie<T>();
  private readonly seen = new Set<string>();
  private built = false;

  add(route: RouteDefinition<T>): void {
    if (this.built) throw new Error('RouterBuilder.add after build');
    const key = routeKey(route.host, route.basePath);
    if (this.seen.has(key))
      throw new DuplicateRouteError(`two routes for host ${route.host ?? '*'} ${route.basePath}`);
    this.seen.add(key);
    this.trieFor(route.host).insert(route.basePath, route.value);
  }

  build(): Router<T> {
    return new Router<T>(this.tables());
  }

  /** The filled tables; the builder takes no more routes. */
  tables(): RouteTables<T> {
    this.built = true;
    const { exact, wildcard, anyHost } = this;
    return { exact, wildcard, anyHost, size: this.seen.size };
  }

  private trieFor(host: string | undefined): PathTrie<T> {
    if (host === undefined) return this.anyHost;
    const map = host.startsWith('*.') ? this.wildcard : this.exact;
    const key = host.startsWith('*.') ? host.slice(2) : host;
    let trie = map.get(key);
    if (!trie) {
      trie = new PathTrie<T>();
      map.set(key, trie);
    }
    return trie;
  }
}

/**
 * Host, then longest base-path prefix. A request's host is tried exactly, then as a
 * one-label wildcard ("*.example.com"), then the routes without a host. Every lookup
 * is a constant number of map reads per path segment, whatever the number of routes.
 */
export class Router<T> {
  private readonly exact: Map<string, PathTrie<T>>;
  private readonly wildcard: Map<string, PathTrie<T>>;
  private readonly anyHost: PathTrie<T>;
  readonly hasHostRoutes: boolean;
  readonly size: number;

  /** From a list of routes, or the tables a RouterBuilder filled. */
  constructor(routes: readonly RouteDefinition<T>[] | RouteTables<T>) {
    let tables: RouteTables<T>;
    if (Array.isArray(routes)) {
      const builder = new RouterBuilder<T>();
      for (const route of routes as readonly RouteDefinition<T>[]) builder.add(route);
      tables = builder.tables();
    } else tables = routes as RouteTables<T>;
    this.exact = tables.exact;
    this.wildcard = tables.wildcard;
    this.anyHost = tables.anyHost;
    this.hasHostRoutes = this.exact.size > 0 || this.wildcard.size > 0;
    this.size = tables.size;
  }

  /**
   * `host` must already be normalised with normalizeHost (or undefined). Undefined when
   * no route matches; null when the path is ambiguous (a ";" parameter on a segment
   * that, without it, names a route segment) and must be refused.
   */
  match(host: string | undefined, path: string): RouteMatch<T> | null | undefined {
    if (this.hasHostRoutes && host !== undefined) {
      const exact = this.exact.get(host)?.lookup(path);
      if (exact !== undefined) return exact;
      const dot = host.indexOf('.');
      if (dot > 0) {
        const wild = this.wildcard.get(host.slice(dot + 1))?.lookup(path);
        if (wild !== undefined) return wild;
      }
    }
    return this.anyHost.lookup(path);
  }
}

/** Host header → lower-case name without port or trailing dot; undefined when absent or unusable. */
export function normalizeHost(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let host = header;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    return close === -1 ? undefined : host.slice(0, close + 1).toLowerCase();
  }
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}
