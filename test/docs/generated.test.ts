/**
 * The generated files (docs/errors.md, config/gatehouse.schema.json, the tables of
 * docs/configuration.md) are what scripts/generated-docs.ts renders from the code now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GENERATED_FILES } from '../../scripts/generated-docs.js';
import { ERROR_CATALOGUE } from '../../src/errors.js';

describe('generated files', () => {
  for (const [path, render] of Object.entries(GENERATED_FILES)) {
    it(`${path} matches the code (regenerate: npx tsx scripts/generated-docs.ts --write)`, async () => {
      assert.equal(readFileSync(path, 'utf8'), await render());
    });
  }

  it('PRODUCT.md error codes are all in the catalogue with the documented status', () => {
    const documented: [string, number][] = [
      ['invalid_request', 401],
      ['invalid_token', 401],
      ['missing_credentials', 401],
      ['insufficient_scope', 403],
      ['forbidden', 403],
      ['no_deployment', 404],
      ['deployment_disabled', 503],
      ['no_healthy_node', 503],
      ['body_too_large', 413],
      ['rate_limited', 429],
      ['bad_gateway', 502],
      ['upstream_timeout', 504],
    ];
    for (const [code, status] of documented)
      assert.equal(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE]?.status, status, code);
  });
});
