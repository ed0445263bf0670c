/**
 * docs/configuration.md is generated from the config schema (issue #10): its tables come
 * from the keys' `.describe()` texts, the prose around them is hand-written and kept.
 * generated.test.ts checks the committed page for drift; these tests check that the
 * tables cover every key of the schema and that the generator notices what it must.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkCoverage, documentedKeyPaths, renderConfigurationDoc } from '../../scripts/config-doc.js';
import { configJsonSchema, type JsonSchema } from '../../scripts/config-json-schema.js';

const PAGE = 'docs/configuration.md';
const page = readFileSync(PAGE, 'utf8');
const schema = configJsonSchema();

const isSecretRef = (node: JsonSchema): boolean =>
  (node.anyOf ?? []).some((b) => b.properties?.env !== undefined) &&
  (node.anyOf ?? []).some((b) => b.properties?.file !== undefined);

/** Every key path of the schema a user can write (a secret reference's `env`/`file` excepted). */
function keyPaths(node: JsonSchema, path: string, out: Set<string>): Set<string> {
  if (isSecretRef(node)) return out;
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = path === '' ? name : `${path}.${name}`;
    out.add(childPath);
    keyPaths(child, childPath, out);
  }
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) keyPaths(branch, path, out);
  if (node.items) keyPaths(node.items, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object') keyPaths(node.additionalProperties, `${path}.*`, out);
  return out;
}

describe('docs/configuration.md', () => {
  it('has a table row for every key of the config schema, and none for a key that is not there', () => {
    const inSchema = [...keyPaths(schema, '', new Set())].sort();
    const documented = [...new Set(documentedKeyPaths(schema))].sort();
    assert.ok(inSchema.includes('deployments[].auth.apiKeys.keys[].hash'), 'the walk reaches deep keys');
    assert.ok(inSchema.includes('providers[].jwks.outageGraceSec'), 'the walk reaches union branches');
    assert.deepEqual(documented, inSchema);
  });

  it('a hand edit inside a generated table is replaced by what the schema says; prose outside is kept', async () => {
    const row = /^\| `dataPlane.keepAliveTimeoutMs` .*$/m;
    assert.match(page, row);
    const edited = page
      .replace(row, '| `dataPlane.keepAliveTimeoutMs` | integer | `1` | Edited by hand. |')
      .replace('## `logging`\n', '## `logging`\n\nA sentence written by hand.\n');
    const rendered = await renderConfigurationDoc(edited, schema, PAGE);
    assert.notEqual(rendered, edited, 'the drift test compares exactly this');
    assert.doesNotMatch(rendered, /Edited by hand/);
    assert.match(rendered, /A sentence written by hand\./);
    assert.equal(rendered.replace('\nA sentence written by hand.\n', ''), page);
  });

  it('a page that lost a generated block, or names an unknown one, is refused', async () => {
    const withoutTokens = page.replace(/<!-- generated:tokens -->[\s\S]*?<!-- \/generated:tokens -->/, '');
    await assert.rejects(renderConfigurationDoc(withoutTokens, schema, PAGE), /generated:tokens/);
    const unknown = `${page}\n<!-- generated:nothing -->\n<!-- /generated:nothing -->\n`;
    await assert.rejects(renderConfigurationDoc(unknown, schema, PAGE), /nothing/);
  });

  it('a top-level key without a section, or a provider type without a table, is refused', () => {
    const extra: JsonSchema = {
      ...schema,
      properties: { ...schema.properties, metricsExport: { type: 'object', description: 'New.' } },
    };
    assert.throws(() => checkCoverage(extra), /"metricsExport"/);
    const providers = schema.properties?.providers;
    const branches = providers?.items ? (providers.items.oneOf ?? []) : [];
    const oidc: JsonSchema = { type: 'object', properties: { type: { type: 'string', const: 'oidc' } } };
    const withOidc: JsonSchema = {
      ...schema,
      properties: {
        ...schema.properties,
        providers: { ...providers, items: { oneOf: [...branches, oidc] } },
      },
    };
    assert.throws(() => checkCoverage(withOidc), /of type oidc/);
  });

  it('shows the defaults zod leaves out of an input schema whose inner schema transforms', () => {
    const deployments = schema.properties?.deployments;
    assert.deepEqual(deployments?.default, []);
    const auth = deployments?.items ? deployments.items.properties?.auth : undefined;
    assert.equal(auth?.default, 'inherit');
    assert.match(page, /^\| `auth` +\| `inherit` or object +\| `inherit` +\|/m);
  });
});
