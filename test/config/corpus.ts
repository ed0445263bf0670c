/**
 * Broken configurations for the "one validation" tests, from the two fixtures of
 * corpus-fixtures.ts: each truncated at every line, each scalar replaced by wrong types,
 * plus hand-written dangling references, bad PEMs and JWKs, bad URLs, bad secret
 * references, alias bombs, duplicate keys and roots that are not a mapping. Names with
 * "(accepted)" must be accepted; other hand-written cases must be refused.
 */
import { exampleConfig, richConfig, type CorpusMaterial } from './corpus-fixtures.js';

export { prepareCorpus, richConfig, type CorpusMaterial } from './corpus-fixtures.js';

export interface CorpusEntry {
  readonly name: string;
  readonly text: string;
}

/** Every prefix of the text that stops at a line end (the full text excluded). */
function truncations(name: string, text: string): CorpusEntry[] {
  const lines = text.split('\n');
  const out: CorpusEntry[] = [];
  for (let n = 0; n < lines.length - 1; n++)
    out.push({ name: `${name} cut after line ${n}`, text: lines.slice(0, n).join('\n') + '\n' });
  return out;
}

const SCALAR_LINE = /^(\s*(?:- )?[A-Za-z][\w-]*: )([^{[\s#][^#]*?)\s*$|^(\s*- )([^{[\s#][^#:]*?)\s*$/;

/** For every line holding one scalar (`key: value` or `- value`), two wrong-type replacements. */
function wrongTypes(name: string, text: string): CorpusEntry[] {
  const lines = text.split('\n');
  const out: CorpusEntry[] = [];
  lines.forEach((line, i) => {
    const match = SCALAR_LINE.exec(line);
    if (!match) return;
    const prefix = (match[1] ?? match[3]) as string;
    const value = (match[2] ?? match[4]) as string;
    const flipped = /^-?\d+$/.test(value) ? '"12x"' : /^(true|false)$/.test(value) ? '7' : '5';
    for (const replacement of [flipped, '{nested: [1]}']) {
      const copy = [...lines];
      copy[i] = prefix + replacement;
      out.push({ name: `${name} line ${i + 1} value → ${replacement}`, text: copy.join('\n') });
    }
  });
  return out;
}

function replaced(name: string, text: string, from: string, to: string): CorpusEntry {
  if (!text.includes(from)) throw new Error(`corpus: "${from}" not in the fixture (${name})`);
  return { name, text: text.replace(from, to) };
}

/** Hand-written refusals (and a few acceptances) on the rich fixture. */
function targeted(rich: string, upstream: string, jwksUri: string, ecJwk: string): CorpusEntry[] {
  const r = (name: string, from: string, to: string): CorpusEntry => replaced(name, rich, from, to);
  const laughs = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++)
    laughs.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  const deployment = (id: string, basePath: string): string =>
    `  - id: ${id}\n    service: orders\n    version: v1\n    infrastructure: infra-a\n    basePath: ${basePath}\n`;
  return [
    // Dangling references and compile-time ambiguity.
    r(
      'unknown service',
      'service: orders\n    version: v1\n    infrastructure: infra-a\n    basePath',
      'service: nope\n    version: v1\n    infrastructure: infra-a\n    basePath',
    ),
    r(
      'unknown version',
      'version: v1\n    infrastructure: infra-a\n    basePath',
      'version: v9\n    infrastructure: infra-a\n    basePath',
    ),
    r(
      'unknown infrastructure',
      'infrastructure: infra-a\n    basePath',
      'infrastructure: infra-z\n    basePath',
    ),
    r('unknown JWT provider', 'providers: [idp-hmac, idp-pem]', 'providers: [idp-hmac, idp-nope]'),
    r('unknown admin provider', 'providers: [idp-jwks]}', 'providers: [idp-nope]}'),
    r(
      'two providers with one issuer on a version',
      'issuer: https://pem.example',
      'issuer: https://hmac.example',
    ),
    r('duplicate provider id', 'id: idp-pem', 'id: idp-hmac'),
    { name: 'two deployments on the same route', text: rich + deployment('orders-again', '/orders') },
    { name: 'duplicate deployment id', text: rich + deployment('orders-dev', '/orders-2') },
    { name: 'a third deployment (accepted)', text: rich + deployment('orders-3', '/orders-3') },
    // Methods no authenticator provides (issue #10: mtls has none yet).
    r('mtls on a version', 'methods: [gatehouse, jwt]', 'methods: [mtls, jwt]'),
    r('mtls on a deployment override', 'methods: [public]', 'methods: [mtls]'),
    // Bad PEMs and JWKs (the provider is used by no deployment in some: still checked).
    r('a private key as PEM', 'pem: {file: rsa.pub.pem}', 'pem: {file: rsa.key.pem}'),
    r('an RSA-1024 PEM', 'pem: {file: rsa.pub.pem}', 'pem: {file: weak.pub.pem}'),
    r('a P-384 key on RS256/ES256', 'pem: {file: rsa.pub.pem}', 'pem: {file: ec384.pub.pem}'),
    r('a PEM with garbage inside', 'pem: {file: rsa.pub.pem}', 'pem: {file: garbage.pem}'),
    r('inline text as PEM', 'pem: {file: rsa.pub.pem}', 'pem: not-a-pem'),
    r('a private JWK', '"kid":"ec-1"', '"kid":"ec-1","d":"AQAB"'),
    r('a JWK for encryption', '"use":"sig"', '"use":"enc"'),
    r('a JWK of an unknown type', '"kty":"EC"', '"kty":"XX"'),
    r('a JWK that is a string', `jwk: ${ecJwk}`, 'jwk: "not a jwk"'),
    r(
      'a public key as signing key',
      'privateKey: {file: signing.key.pem}',
      'privateKey: {file: signing.pub.pem}',
    ),
    // Secret references.
    r('{file: ""}', 'secret: {env: CORPUS_HMAC_SECRET}', 'secret: {file: ""}'),
    r('{env: "bad name"}', 'secret: {env: CORPUS_HMAC_SECRET}', 'secret: {env: "bad name"}'),
    r('{env: UNSET}', 'secret: {env: CORPUS_HMAC_SECRET}', 'secret: {env: CORPUS_UNSET_VARIABLE}'),
    r('a short secret from env', 'secret: {env: CORPUS_HMAC_SECRET}', 'secret: {env: CORPUS_SHORT_SECRET}'),
    r('a short inline secret', 'secret: {env: CORPUS_HMAC_SECRET}', 'secret: inline-secret-never-shown-91c2'),
    r('a missing secret file', 'privateKey: {file: signing.key.pem}', 'privateKey: {file: nope.pem}'),
    r('an empty secret file', 'pem: {file: rsa.pub.pem}', 'pem: {file: empty.txt}'),
    r('a folder as secret file', 'pem: {file: rsa.pub.pem}', 'pem: {file: .}'),
    r(
      '{file} and {env} at once',
      'secret: {env: CORPUS_HMAC_SECRET}',
      'secret: {env: CORPUS_HMAC_SECRET, file: x}',
    ),
    r('{file: ""} as signing key', 'privateKey: {file: signing.key.pem}', 'privateKey: {file: ""}'),
    // Bad URLs.
    r('jwksUri not a URL', `jwksUri: ${jwksUri}`, 'jwksUri: not a url'),
    r('jwksUri ftp', `jwksUri: ${jwksUri}`, 'jwksUri: ftp://127.0.0.1/jwks.json'),
    r('jwksUri a number', `jwksUri: ${jwksUri}`, 'jwksUri: 443'),
    r('jwksUri http on a remote host', `jwksUri: ${jwksUri}`, 'jwksUri: http://jwks.example/keys'),
    r(
      'discovery with an issuer that is a number',
      `issuer: https://jwks.example\n    audiences: [api]\n    jwksUri: ${jwksUri}`,
      'issuer: 5\n    discovery: true\n    audiences: [api]',
    ),
    r(
      'discovery with an http issuer',
      `issuer: https://jwks.example\n    audiences: [api]\n    jwksUri: ${jwksUri}`,
      'issuer: http://jwks.example\n    discovery: true\n    audiences: [api]',
    ),
    r('a node with a path', `      - ${upstream}\n`, `      - ${upstream}/base\n`),
    r('a node that is not a URL', `      - ${upstream}\n`, '      - "::not a url::"\n'),
    r(
      'a node URL with credentials',
      `url: ${upstream}`,
      `url: ${upstream.replace('http://', 'http://user:pw@')}`,
    ),
    r(
      'a redis URL that is http',
      'store: {type: memory}',
      'store: {type: memory, redis: {url: "http://redis"}}',
    ),
    // Alias bombs, cycles, and an alias that is fine.
    { name: 'billion laughs', text: `${laughs.join('\n')}\n${rich}` },
    r(
      'billion laughs under a known key',
      'groups:\n  - id: analysts\n    scopes: [orders:read]',
      [
        'x-l0: &g0 [{id: a, scopes: [x]}, {id: b, scopes: [y]}]',
        ...[1, 2, 3, 4, 5, 6].map(
          (i) =>
            `x-l${i}: &g${i} [${Array(10)
              .fill(`*g${i - 1}`)
              .join(', ')}]`,
        ),
        'groups: *g6',
      ].join('\n'),
    ),
    r('an alias cycle', 'groups:\n  - id: analysts\n    scopes: [orders:read]', 'groups: &cycle [*cycle]'),
    r(
      'an alias that is fine (accepted)',
      '                scopes: [orders:read]\n          require:\n            scopes: [orders:read]',
      '                scopes: &s [orders:read]\n          require:\n            scopes: *s',
    ),
    // Duplicate keys, syntax errors, roots that are not a mapping.
    r('a duplicate key', 'stage: dev', 'stage: dev\n    stage: prod'),
    r('a tab in indentation', '    stage: dev', '\tstage: dev'),
    r('an unclosed flow sequence', 'audiences: [api, other]', 'audiences: [api, other'),
    { name: 'two documents', text: `${rich}---\n{}\n` },
    { name: 'an empty file', text: '' },
    { name: 'a blank file', text: '  \n\n' },
    { name: 'comments only', text: '# nothing here\n' },
    { name: '--- alone', text: '---\n' },
    { name: '--- with comments', text: '---\n# a half-written file\n' },
    { name: '~', text: '~\n' },
    { name: 'null', text: 'null\n' },
    { name: 'a scalar root', text: 'hello\n' },
    { name: 'a sequence root', text: '- a\n- b\n' },
    { name: '{} (accepted)', text: '{}\n' },
  ];
}

/** The bundled example, cut at every line and with each scalar of the wrong type. */
export function exampleCorpus(): CorpusEntry[] {
  const example = exampleConfig();
  return [
    { name: 'example (accepted)', text: example },
    ...truncations('example', example),
    ...wrongTypes('example', example),
  ];
}

/** The rich fixture, cut at every line and with each scalar of the wrong type, then the hand-written cases. */
export function richCorpus(m: CorpusMaterial, jwksUri: string, upstream: string): CorpusEntry[] {
  const rich = richConfig(m, jwksUri, upstream);
  return [
    { name: 'rich fixture (accepted)', text: rich },
    ...truncations('rich', rich),
    ...wrongTypes('rich', rich),
    ...targeted(rich, upstream, jwksUri, JSON.stringify(m.ecJwk)),
  ];
}
