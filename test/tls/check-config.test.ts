/**
 * What check-config (and so start and every reload) says about TLS settings: method
 * `mtls` without client certificates on the data plane, unusable certificate files,
 * client certificates without a CA, a plainHttp listener without TLS, unreadable
 * upstream TLS files; each at its key path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { validateConfigText } from '../../src/plan/validate.js';
import type { ConfigObject } from '../helpers/gatehouse.js';
import { makePki, type Pki } from './pki.js';

describe('check-config and TLS', () => {
  let pki: Pki;
  before(() => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  const base = (dataPlane: ConfigObject, auth: ConfigObject = { methods: ['public'] }): ConfigObject => ({
    server: { dataPlane },
    infrastructures: [{ id: 'infra', nodes: ['http://127.0.0.1:9'] }],
    services: [{ id: 'svc', versions: [{ id: 'v1', auth }] }],
    deployments: [{ id: 'dep', service: 'svc', version: 'v1', infrastructure: 'infra' }],
  });
  const check = (config: ConfigObject) =>
    validateConfigText(stringify(config), { source: 'test.yaml', baseDir: pki.dir, env: {} });
  const issues = async (config: ConfigObject) => {
    const verdict = await check(config);
    return verdict.ok ? [] : verdict.issues;
  };

  it('refuses methods: [mtls] when the data plane asks for no client certificates, naming the key', async () => {
    for (const dataPlane of [{}, { tls: { certFolder: pki.dir } }]) {
      assert.deepEqual(await issues(base(dataPlane, { methods: ['mtls'] })), [
        {
          path: 'services[0].versions[0].auth.methods[0]',
          message:
            'method "mtls" needs client certificates: set server.dataPlane.tls.clientCertificates to optional or required',
        },
      ]);
    }
  });

  it('accepts methods: [mtls] with clientCertificates optional or required', async () => {
    for (const clientCertificates of ['optional', 'required'])
      assert.deepEqual(
        await issues(
          base(
            { tls: { cert: 'server-chain.crt', key: 'server.key', ca: 'ca.crt', clientCertificates } },
            { methods: ['mtls'], mtls: { subjectFrom: 'uriSan', sanPrefix: 'spiffe://cluster.local/' } },
          ),
        ),
        [],
      );
  });

  it('refuses a key that is not the certificate’s', async () => {
    const found = await issues(base({ tls: { cert: 'server-chain.crt', key: { file: 'alice.key' } } }));
    assert.equal(found.length, 1);
    assert.equal(found[0]?.path, 'server.dataPlane.tls');
    assert.match(found[0]?.message ?? '', /alice\.key does not belong to the certificate/);
  });

  it('refuses client certificates without a CA, and missing files', async () => {
    const noCa = await issues(
      base({ tls: { cert: 'server-chain.crt', key: 'server.key', clientCertificates: 'optional' } }),
    );
    assert.match(noCa[0]?.message ?? '', /needs the CA that signs client certificates/);
    const missing = await issues(base({ tls: { certFolder: 'nowhere' } }));
    assert.match(missing[0]?.message ?? '', /server\.crt cannot be read \(ENOENT\)/);
    const neither = await issues(base({ tls: { cert: 'server-chain.crt' } }));
    assert.deepEqual(neither, [
      { path: 'server.dataPlane.tls', message: 'give certFolder, or both cert and key' },
    ]);
  });

  it('refuses plainHttp without tls', async () => {
    const found = await issues(base({ plainHttp: { port: 0 } }));
    assert.equal(found[0]?.path, 'server.dataPlane.plainHttp');
  });

  it('checks upstream TLS files at the infrastructure’s key path', async () => {
    const config = base({});
    config.infrastructures = [
      {
        id: 'infra',
        nodes: ['https://127.0.0.1:9'],
        tls: { ca: 'missing.crt', clientCert: 'bob.crt', clientKey: 'bob.key' },
      },
    ];
    const found = await issues(config);
    assert.equal(found[0]?.path, 'infrastructures[0].tls');
    assert.match(found[0]?.message ?? '', /missing\.crt cannot be read/);
    config.infrastructures = [
      { id: 'infra', nodes: ['https://127.0.0.1:9'], tls: { clientCert: 'bob.crt' } },
    ];
    assert.deepEqual(await issues(config), [
      { path: 'infrastructures[0].tls', message: 'clientCert and clientKey go together' },
    ]);
  });
});
