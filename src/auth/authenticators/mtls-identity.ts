/**
 * A verified client certificate → an identity, by the deployment's `mtls` settings:
 * the subject from the CN, the first URI/DNS/email SAN (optionally with a prefix, for
 * SPIFFE IDs) or a template; groups and scopes from grants matching the subject and,
 * when asked, from the OU. `undefined` when the certificate yields no subject (→ 403).
 */
import type { PeerCertificate } from 'node:tls';
import type { MtlsSettingsConfig } from '../../config/schema-mtls.js';
import { isCleanIdentityValue } from './claim-identity.js';

export interface CertificateFacts {
  readonly cn: string | undefined;
  readonly o: string | undefined;
  readonly ou: readonly string[];
  readonly uriSan: readonly string[];
  readonly dnsSan: readonly string[];
  readonly emailSan: readonly string[];
}

export interface MappedCertificate {
  readonly subject: string;
  readonly groups: ReadonlySet<string>;
  readonly scopes: ReadonlySet<string>;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Node's `subjectaltname` string: `DNS:a, URI:spiffe://x, email:"a,b"@c` (quoted when needed). */
export function parseSubjectAltName(value: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!value) return out;
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of value.matchAll(entry)) {
    const type = match[1] as string;
    let item = match[2] as string;
    if (item.startsWith('"')) {
      try {
        item = JSON.parse(item) as string;
      } catch {
        continue;
      }
    }
    const values = out.get(type) ?? [];
    values.push(item);
    out.set(type, values);
  }
  return out;
}

export function certificateFacts(cert: PeerCertificate): CertificateFacts {
  const sans = parseSubjectAltName(cert.subjectaltname);
  const subject = cert.subject as Partial<Record<string, string | string[]>> | undefined;
  return {
    cn: list(subject?.CN)[0],
    o: list(subject?.O)[0],
    ou: list(subject?.OU),
    uriSan: sans.get('URI') ?? [],
    dnsSan: sans.get('DNS') ?? [],
    emailSan: sans.get('email') ?? [],
  };
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*');
  return new RegExp(`^${escaped}$`, 's');
}

function subjectOf(facts: CertificateFacts, settings: MtlsSettingsConfig): string | undefined {
  const prefix = settings.sanPrefix ?? '';
  switch (settings.subjectFrom) {
    case 'cn':
      return facts.cn;
    case 'uriSan':
    case 'dnsSan':
    case 'emailSan':
      return facts[settings.subjectFrom].find((v) => v.startsWith(prefix));
    case 'template': {
      let missing = false;
      const values: Record<string, string | undefined> = {
        cn: facts.cn,
        o: facts.o,
        ou: facts.ou[0],
        uriSan: facts.uriSan[0],
        dnsSan: facts.dnsSan[0],
        emailSan: facts.emailSan[0],
      };
      const subject = (settings.template ?? '').replace(/\{(\w+)\}/g, (_all, name: string) => {
        const value = values[name];
        if (value === undefined || value === '') missing = true;
        return value ?? '';
      });
      return missing ? undefined : subject;
    }
  }
}

/** Compiles the settings once per deployment into a mapping function. */
export function compileCertificateMapping(
  settings: MtlsSettingsConfig,
): (facts: CertificateFacts) => MappedCertificate | undefined {
  const grants = settings.grants.map((g) => ({
    match: globToRegExp(g.match),
    groups: g.groups,
    scopes: g.scopes,
  }));
  return (facts) => {
    const subject = subjectOf(facts, settings);
    // As for token claims (claim-identity.ts): control characters would corrupt the identity
    // headers, and surrounding whitespace would be trimmed from X-Auth-Subject (`alice ` read
    // upstream as `alice`). A subject or OU group the upstream could read otherwise is no identity.
    if (subject === undefined || subject === '' || !isCleanIdentityValue(subject)) return undefined;
    if (settings.groupsFromOu && !facts.ou.every(isCleanIdentityValue)) return undefined;
    const groups = new Set<string>(settings.groupsFromOu ? facts.ou : []);
    const scopes = new Set<string>();
    let granted = false;
    for (const grant of grants) {
      if (!grant.match.test(subject)) continue;
      granted = true;
      for (const g of grant.groups) groups.add(g);
      for (const s of grant.scopes) scopes.add(s);
    }
    if (settings.requireGrant && !granted) return undefined;
    return { subject, groups, scopes };
  };
}
