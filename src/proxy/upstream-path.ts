/**
 * The path rule of a deployment, compiled once: the path and query the node receives.
 * The path is unchanged unless the deployment strips its base path (`stripPrefix`):
 * then `/base/x?q` reaches the node as `/x?q`, and `/base` itself as `/`.
 */
import type { RequestTarget } from '../routing/normalize-path.js';

export type UpstreamPathRule = (target: RequestTarget) => string;

const unchanged: UpstreamPathRule = (target) => target.path + target.query;

export function compileUpstreamPath(basePath: string, stripPrefix: boolean): UpstreamPathRule {
  if (!stripPrefix || basePath === '/') return unchanged;
  const cut = basePath.length;
  return (target) => {
    const rest = target.path.slice(cut);
    return (rest === '' ? '/' : rest) + target.query;
  };
}
