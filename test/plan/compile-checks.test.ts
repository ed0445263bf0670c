/**
 * The compile step's checks run in the validation function (issue #9 §5, issue #10): what
 * start or a reload would refuse, check-config refuses, with the same key path.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { checkCompilable } from '../../src/plan/compile-checks.js';
import { parseConfig } from '../../src/config/load.js';
import { validateConfigText } from '../../src/plan/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-compile-checks-'));
const spkiOf = (bits: number): string =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({
    format: 'pem',
    type: 'spki',
  }) as string;
const spki = spkiOf(2048);
const weakSpki = spkiOf(1024);

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

describe("the compile step's checks are part of validation", () => {
  const validate = (text: string) => validateConfigText(text, { source: 'test.yaml', baseDir: dir, env: {} });

  it('refuses mtls at its key path, wherever it is listed, when the data plane asks for no client certificates', async () => {
    const onVersion = await validate(BASE.replace('methods: [public]', 'methods: [public, mtls]'));
    assert.deepEqual(onVersion, {
      ok: false,
      issues: [
        {
          path: 'services[0].versions[0].auth.methods[1]',
          message:
            'method "mtls" needs client certificates: set server.dataPlane.tls.clientCertificates to optional or required',
        },
      ],
    });
    const onDeployment = await validate(`${BASE}    auth: {methods: [mtls]}\n`);
    assert.deepEqual(onDeployment.ok ? [] : onDeployment.issues.map((i) => i.path), [
      'deployments[0].auth.methods[0]',
    ]);
    // The methods that are provided are accepted.
    const provided = await validate(BASE.replace('methods: [public]', 'methods: [public, gatehouse]'));
    assert.equal(provided.ok, true);
  });
});

describe('keys are imported by the verifier’s own importer too', () => {
  it('refuses, at the key path, a key that reached the compile checks without the schema', async () => {
    const valid = parseConfig(
      stringify({
        providers: [{ id: 'p', type: 'publicKey', audiences: ['a'], keys: [{ pem: 'x' }] }],
      }).replace('pem: x', `pem: ${JSON.stringify(spki)}`),
      { source: 'test.yaml', baseDir: dir, env: {} },
    );
    const provider = valid.providers[0];
    assert.equal(provider?.type, 'publicKey');
    if (provider?.type !== 'publicKey') return;
    // Built around the schema (which refuses it as well): the importer has the last word.
    const config = { ...valid, providers: [{ ...provider, keys: [provider.keys[0]!, { pem: weakSpki }] }] };
    assert.deepEqual(await checkCompilable(config), [
      { path: 'providers[0].keys[1].pem', message: 'RSA key shorter than 2048 bits' },
    ]);
  });
});
