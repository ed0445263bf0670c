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
  readonly children: Map<string, TrieNode<T>>;
  match: RouteMatch<T> | undefined;
}

function createNode<T>(): TrieNode<T> {
  return { children: new Map(), match: undefined };
}

/** Base-path prefix tree by path segment: lookup cost depends on path depth only. */
class PathTrie<T> {
  private readonly root = createNode<T>();

  insert(basePath: string, value: T): void {
    let node = this.root;
    if (basePath !== '/') {
      for (const segment of basePath.slice(1).split('/')) {
        let child = node.children.get(segment);
        if (!child) {
          child = createNode<T>();
          node.children.set(segment, child);
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
      const child = node.children.get(segment);
      if (!child) {
        // "admin;v=1" is not the route segment "admin" here, but Servlet containers drop
        // ";v=1" and would serve the "admin" deployment's paths through this one.
        const semi = segment.indexOf(';');
        if (semi > 0 && node.children.has(segment.slice(0, semi))) return null;
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

/**
 * Host, then longest base-path prefix. A request's host is tried exactly, then as a
 * one-label wildcard ("*.example.com"), then the routes without a host. Every lookup
 * is a constant number of map reads per path segment, whatever the number of routes.
 */
export class Router<T> {
  private readonly exact = new Map<string, PathTrie<T>>();
  private readonly wildcard = new Map<string, PathTrie<T>>();
  private readonly anyHost = new PathTrie<T>();
  readonly hasHostRoutes: boolean;
  readonly size: number;

  constructor(routes: readonly RouteDefinition<T>[]) {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = routeKey(route.host, route.basePath);
      if (seen.has(key))
        throw new DuplicateRouteError(`two routes for host ${route.host ?? '*'} ${route.basePath}`);
      seen.add(key);
      this.trieFor(route.host).insert(route.basePath, route.value);
    }
    this.hasHostRoutes = this.exact.size > 0 || this.wildcard.size > 0;
    this.size = routes.length;
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
