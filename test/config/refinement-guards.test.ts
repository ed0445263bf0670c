/**
 * Every refinement is guarded (issue #9 §5): a value of the wrong type anywhere — at a
 * secret reference, a URL field, any leaf or section of a rich configuration — is refused
 * with issues that name key paths. Nothing throws (before, `{file: ""}`, `{env: "bad
 * name"}` and `jwksUri: "not a url"` ended in a bare TypeError without a key path).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { ConfigIssue } from '../../src/config/issues.js';
import { validateConfigText } from '../../src/plan/validate.js';
import { prepareCorpus, richConfig } from './corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-guards-'));
writeFileSync(join(dir, 'empty.txt'), '\n');

type Json = Record<string, unknown>;

/** Issues that are not a proper refusal: a thrown error caught late, or a bare TypeError text. */
const BARE =
  /validation failed unexpectedly|must be of type string|Invalid URL: |Cannot read prop|is not a function|undefined is not/;

async function refusal(config: Json, env: Record<string, string> = {}): Promise<readonly ConfigIssue[]> {
  const verdict = await validateConfigText(stringify(config), { source: 'test.yaml', baseDir: dir, env });
  assert.equal(verdict.ok, false, `accepted: ${JSON.stringify(config)}`);
  if (verdict.ok) return [];
  for (const issue of verdict.issues) {
    assert.ok(issue.path.length > 0, `an issue without a key path: ${JSON.stringify(verdict.issues)}`);
    assert.doesNotMatch(issue.message, BARE, JSON.stringify(verdict.issues));
  }
  return verdict.issues;
}

/** A copy of `base` with `value` at `path` (array indices as numbers). */
function withValue(base: Json, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(base);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

const keyPath = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

describe('secret references: every site refuses every malformed reference at its key path', () => {
  const sites: [Json, (string | number)[]][] = [
    [
      { providers: [{ id: 'p', type: 'hmac', audiences: ['a'], secrets: [{ secret: 'x' }] }] },
      ['providers', 0, 'secrets', 0, 'secret'],
    ],
    [
      { providers: [{ id: 'p', type: 'publicKey', audiences: ['a'], keys: [{ pem: 'x' }] }] },
      ['providers', 0, 'keys', 0, 'pem'],
    ],
    [{ store: { redis: { password: 'x' } } }, ['store', 'redis', 'password']],
    [
      { store: { redis: { sentinels: [{ host: 'h', port: 1 }], name: 'm', sentinelPassword: 'x' } } },
      ['store', 'redis', 'sentinelPassword'],
    ],
    [{ tokens: { signing: { secret: 'x' } } }, ['tokens', 'signing', 'secret']],
    [
      { tokens: { signing: { keys: [{ kid: 'k', algorithm: 'HS256', secret: 'x' }] } } },
      ['tokens', 'signing', 'keys', 0, 'secret'],
    ],
    [
      { tokens: { signing: { keys: [{ kid: 'k', algorithm: 'EdDSA', privateKey: 'x' }] } } },
      ['tokens', 'signing', 'keys', 0, 'privateKey'],
    ],
  ];
  const badReferences: unknown[] = [
    { file: '' },
    { env: 'bad name' },
    { env: '' },
    { env: 5 },
    { file: 5 },
    { file: ['a'] },
    { file: 'a', env: 'B' },
    {},
    { nested: { file: 'x' } },
    [],
    5,
    null,
    true,
    '',
    { env: 'GATEHOUSE_GUARD_TEST_UNSET' },
    { file: 'missing.txt' },
    { file: '.' },
    { file: 'empty.txt' },
  ];
  for (const [base, path] of sites)
    it(`${keyPath(path)}`, async () => {
      for (const bad of badReferences) {
        const issues = await refusal(withValue(base, path, bad));
        assert.ok(
          issues.some((i) => i.path.startsWith(keyPath(path))),
          `${JSON.stringify(bad)} at ${keyPath(path)}: ${JSON.stringify(issues)}`,
        );
      }
    });
});

describe('URL fields: every malformed URL is refused at its key path', () => {
  const sites: [Json, (string | number)[]][] = [
    [{ providers: [{ id: 'p', type: 'jwks', audiences: ['a'], jwksUri: 'x' }] }, ['providers', 0, 'jwksUri']],
    [
      { providers: [{ id: 'p', type: 'jwks', audiences: ['a'], discovery: true, issuer: 'x' }] },
      ['providers', 0, 'issuer'],
    ],
    [{ infrastructures: [{ id: 'i', nodes: ['x'] }] }, ['infrastructures', 0, 'nodes', 0]],
    [{ infrastructures: [{ id: 'i', nodes: [{ url: 'x' }] }] }, ['infrastructures', 0, 'nodes', 0, 'url']],
    [{ store: { redis: { url: 'x' } } }, ['store', 'redis', 'url']],
  ];
  const badUrls: unknown[] = [
    'not a url',
    '',
    5,
    {},
    [],
    null,
    true,
    'ftp://x',
    'http://',
    'http://[::1',
    'https://exa mple.com',
    '//host/path',
  ];
  for (const [base, path] of sites)
    it(`${keyPath(path)}`, async () => {
      for (const bad of badUrls) {
        const issues = await refusal(withValue(base, path, bad));
        assert.ok(
          issues.some((i) => i.path.startsWith(keyPath(path))),
          `${JSON.stringify(bad)} at ${keyPath(path)}: ${JSON.stringify(issues)}`,
        );
      }
    });
});

describe('wrong types anywhere in a rich configuration', () => {
  it('refuses, with key paths, a wrong value at every leaf and every section', async () => {
    const material = prepareCorpus();
    const rich = parse(richConfig(material, 'http://127.0.0.1:9/jwks.json', 'http://127.0.0.1:9')) as Json;
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]): void => {
      if (path.length > 0) paths.push(path);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (typeof value === 'object' && value !== null)
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(rich, []);
    assert.ok(paths.length > 100, `${paths.length} paths`);
    const replacements: unknown[] = [5, 'x', null, {}, [], { file: '' }];
    let refused = 0;
    for (const path of paths)
      for (const value of replacements) {
        const config = withValue(rich, path, value);
        const verdict = await validateConfigText(stringify(config), {
          source: 'test.yaml',
          baseDir: material.dir,
          env: material.env,
        });
        if (verdict.ok) continue; // e.g. "x" where any string will do
        refused++;
        for (const issue of verdict.issues) {
          assert.ok(issue.path.length > 0, `${keyPath(path)} = ${JSON.stringify(value)}: no key path`);
          assert.doesNotMatch(issue.message, BARE, `${keyPath(path)} = ${JSON.stringify(value)}`);
        }
      }
    assert.ok(refused > paths.length * 3, `${refused} refusals`);
  });
});
