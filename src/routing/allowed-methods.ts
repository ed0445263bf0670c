/**
 * The methods a deployment serves, compiled once: a set read per request, and the
 * `Allow` header value of its 405 answers computed up front. Without a list a deployment
 * serves every method Node's parser accepts except TRACE (it reflects the request,
 * credentials included: cross-site tracing) and CONNECT (Gatehouse does not tunnel).
 * GET implies HEAD, as in nginx's limit_except: HEAD is GET without the body.
 */
import { SERVABLE_METHODS } from '../config/schema-data-plane.js';

export interface MethodPolicy {
  allows(method: string): boolean;
  /** `Allow` header value for 405 answers. */
  readonly allow: string;
  /** `{allow}`, built once for the error answer. */
  readonly allowHeaders: Record<string, string>;
}

/** The usual methods first, in this order; any others follow alphabetically. */
const USUAL_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function allowValue(methods: ReadonlySet<string>): string {
  const usual = USUAL_ORDER.filter((m) => methods.has(m));
  const others = [...methods].filter((m) => !USUAL_ORDER.includes(m)).sort();
  return [...usual, ...others].join(', ');
}

class SetMethodPolicy implements MethodPolicy {
  readonly allow: string;
  readonly allowHeaders: Record<string, string>;
  constructor(private readonly methods: ReadonlySet<string>) {
    this.allow = allowValue(methods);
    this.allowHeaders = Object.freeze({ allow: this.allow });
  }
  allows(method: string): boolean {
    return this.methods.has(method);
  }
}

/** Every deployment without a list shares this one. */
export const DEFAULT_METHOD_POLICY: MethodPolicy = new SetMethodPolicy(new Set(SERVABLE_METHODS));

export function compileMethodPolicy(allowed: readonly string[] | undefined): MethodPolicy {
  if (allowed === undefined) return DEFAULT_METHOD_POLICY;
  const methods = new Set(allowed);
  if (methods.has('GET')) methods.add('HEAD');
  return new SetMethodPolicy(methods);
}
