/**
 * Reading the file's YAML (issue #9 §5): a root that is not a mapping is refused (a null
 * document used to be read as {} and a reload then dropped every route), and aliases
 * cannot expand the document past their budget or into a cycle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-yaml-'));
const parse = (text: string) => parseConfig(text, { source: 'test.yaml', baseDir: dir, env: {} });

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parse(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return [...err.issues];
  }
  assert.fail('configuration was accepted');
}

const BASE = `
infrastructures:
  - id: infra
    nodes: [http://127.0.0.1:9001]
services:
  - id: svc
    versions:
      - id: v1
        auth: {methods: [public]}
deployments:
  - id: dep
    service: svc
    version: v1
    infrastructure: infra
`;

describe('roots that are not a mapping', () => {
  it('refuses a null document (`---`, `---` with comments, `~`, `null`) instead of reading it as {}', () => {
    for (const text of ['---\n', '---\n# half-written\n', '--- # nothing\n', '~\n', 'null\n', '--- null\n']) {
      assert.deepEqual(
        issuesOf(text),
        [
          {
            path: '(root)',
            message:
              "the file's root must be a mapping, not empty (null); write `{}` for an empty configuration",
          },
        ],
        JSON.stringify(text),
      );
    }
  });

  it('refuses a scalar or a list at the root with the same advice', () => {
    assert.match(issuesOf('hello\n')[0]!.message, /root must be a mapping, not a string; write `\{\}`/);
    assert.match(issuesOf('5\n')[0]!.message, /not a number/);
    assert.match(issuesOf('- a\n- b\n')[0]!.message, /not a list/);
    assert.doesNotThrow(() => parse('{}\n'));
    assert.doesNotThrow(() => parse('--- {}\n'));
  });
});

describe('YAML aliases', () => {
  it('refuses an alias bomb (billion laughs) at the key path where it expands, and a cycle', () => {
    const laughs = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const bomb = issuesOf(`${laughs.join('\n')}\ngroups: *a8\n`);
    assert.equal(bomb.length, 1);
    assert.match(bomb[0]!.path, /^(a8|groups)\[/);
    assert.match(bomb[0]!.message, /aliases expand the file by more than 100000 values/);
    assert.deepEqual(
      issuesOf('groups: &g [*g]\n').map((i) => i.path),
      ['groups[0]'],
    );
  });

  it('accepts aliases that expand modestly', () => {
    const text = BASE.replace(
      'auth: {methods: [public]}',
      'auth: &auth {methods: [public]}\n      - id: v2\n        auth: *auth',
    );
    assert.deepEqual(
      parse(text).services[0]?.versions.map((v) => v.auth.methods),
      [['public'], ['public']],
    );
  });
});
