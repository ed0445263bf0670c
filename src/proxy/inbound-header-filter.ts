/**
 * Which client headers never reach a deployment's upstream, compiled once per deployment.
 * Names are matched folded (lower case, `_` read as `-`), because CGI, WSGI and PHP
 * servers turn both `X-Auth-Subject` and `X_Auth_Subject` into HTTP_X_AUTH_SUBJECT: a
 * look-alike must go wherever the real name goes.
 *
 * Per header the cost is one set read, plus a short prefix comparison for names whose
 * first character starts a prefix family (`x-ssl-client-*`); nothing is allocated. To
 * get there, the exact set holds every `_`/`-` spelling of each name (a name has a few
 * dashes: 2^k spellings), and prefixes are compared with `_` equal to `-`.
 */
import { DEFAULT_STRIPPED_INBOUND, foldHeaderName } from './spoofable-headers.js';

export interface InboundHeaderFilter {
  /** `name` is lower-case (Node's req.headers keys). */
  removes(name: string): boolean;
}

export interface InboundHeaderRules {
  /** Removed whatever the deployment says: identity headers, credentials, headers the proxy sets. */
  readonly always: Iterable<string>;
  /** Names or `prefix*` families removed beyond the defaults. */
  readonly strip: readonly string[];
  /** Names or `prefix*` families of the defaults this deployment lets through. */
  readonly keep: readonly string[];
}

/** Names with more separators than this are matched by folding at request time instead. */
const MAX_SPELLED_SEPARATORS = 6;

interface PrefixFamily {
  readonly names: string[];
  readonly thirds: number[];
}

interface Patterns {
  readonly exact: Set<string>;
  readonly prefixes: string[];
}

function patternsOf(entries: Iterable<string>): Patterns {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries) {
    const folded = foldHeaderName(entry);
    if (folded.endsWith('*')) prefixes.push(folded.slice(0, -1));
    else exact.add(folded);
  }
  return { exact, prefixes };
}

function matches(patterns: Patterns, folded: string): boolean {
  if (patterns.exact.has(folded)) return true;
  for (const prefix of patterns.prefixes) if (folded.startsWith(prefix)) return true;
  return false;
}

/** Every spelling of a folded name with each `-` written as `-` or `_`. */
function spellings(folded: string): string[] {
  let out = [''];
  for (const char of folded) {
    if (char !== '-') out = out.map((s) => s + char);
    else out = out.flatMap((s) => [`${s}-`, `${s}_`]);
  }
  return out;
}

/** `name` starts with the folded `prefix`, reading `_` in `name` as `-`. */
function startsWithFolded(name: string, prefix: string): boolean {
  if (name.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = name.charCodeAt(i);
    const p = prefix.charCodeAt(i);
    if (c !== p && !(p === 45 /* - */ && c === 95) /* _ */) return false;
  }
  return true;
}

class CompiledInboundHeaderFilter implements InboundHeaderFilter {
  /** Every spelling of every removed name (kept ones excluded, `always` ones never). */
  private readonly spelled = new Set<string>();
  /** Folded removed names with too many separators to spell out (usually empty). */
  private readonly folded = new Set<string>();
  private readonly foldedMinLength: number;
  /**
   * Prefix families by the char code of their first character, each with the char code
   * of its third character beside it (-1 when shorter), a cheap first test: the second
   * is `-` in nearly every name and tells nothing.
   */
  private readonly prefixes: (PrefixFamily | undefined)[] = new Array<PrefixFamily | undefined>(128).fill(
    undefined,
  );
  private readonly kept: Patterns;

  constructor(rules: InboundHeaderRules) {
    this.kept = patternsOf(rules.keep);
    const stripped = patternsOf([...DEFAULT_STRIPPED_INBOUND, ...rules.strip]);
    // `always` names are added without consulting the keep rules: they cannot be kept.
    for (const name of rules.always) this.add(foldHeaderName(name));
    for (const name of stripped.exact) if (!matches(this.kept, name)) this.add(name);
    this.foldedMinLength = Math.min(...[...this.folded].map((n) => n.length));
    for (const prefix of stripped.prefixes) {
      if (prefix === '') continue;
      const family = (this.prefixes[prefix.charCodeAt(0)] ??= { names: [], thirds: [] });
      family.names.push(prefix);
      family.thirds.push(prefix.length > 2 ? prefix.charCodeAt(2) : -1);
    }
  }

  private add(folded: string): void {
    let separators = 0;
    for (const char of folded) if (char === '-') separators++;
    if (separators > MAX_SPELLED_SEPARATORS) this.folded.add(folded);
    else for (const spelling of spellings(folded)) this.spelled.add(spelling);
  }

  removes(name: string): boolean {
    if (this.spelled.has(name)) return true;
    if (name.length >= this.foldedMinLength && this.folded.has(foldHeaderName(name))) return true;
    const family = this.prefixes[name.charCodeAt(0)];
    if (family === undefined) return false;
    const third = name.charCodeAt(2);
    const { names, thirds } = family;
    for (let i = 0; i < names.length; i++) {
      const expected = thirds[i] as number;
      if ((expected === third || expected === -1) && startsWithFolded(name, names[i] as string))
        return !matches(this.kept, foldHeaderName(name));
    }
    return false;
  }
}

/** Filters are immutable: deployments with the same rules (nearly all of a large plan) share one. */
const compiled = new Map<string, InboundHeaderFilter>();
const COMPILED_MAX = 1024;

export function compileInboundHeaderFilter(rules: InboundHeaderRules): InboundHeaderFilter {
  const key = JSON.stringify([[...rules.always].sort(), rules.strip, rules.keep]);
  let filter = compiled.get(key);
  if (!filter) {
    filter = new CompiledInboundHeaderFilter(rules);
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, filter);
  }
  return filter;
}
