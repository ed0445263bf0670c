/**
 * The admin listener over TLS (same settings block as the data plane), and the warning
 * `start` logs when the admin listener is reachable from other machines in plain HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { publicDeployment, startGatehouse } from '../helpers/gatehouse.js';
import { makePki, type Pki } from './pki.js';
import { answered, dataPlaneTls, httpsSend } from './support.js';

const WARNING = /the admin listener \(0\.0\.0\.0\) is reachable from other machines over plain HTTP/;

describe('the admin listener and TLS', () => {
  let pki: Pki;
  before(() => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'gatehouse-tls-')));
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  it('serves the admin API over HTTPS, with client certificates when required', async () => {
    const gh = await startGatehouse({
      ...publicDeployment(['http://127.0.0.1:9']),
      server: { admin: { host: '0.0.0.0', tls: dataPlaneTls(pki, { clientCertificates: 'required' }) } },
    });
    try {
      assert.match(gh.adminUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
      const res = answered(await httpsSend(gh.adminUrl, { pki, client: 'alice', path: '/healthz' }));
      assert.equal(res.status, 200);
      assert.equal((await httpsSend(gh.adminUrl, { pki, path: '/healthz' })).ok, false);
      assert.ok(!gh.log.lines.some((l) => WARNING.test(String(l.msg))));
    } finally {
      await gh.stop();
    }
  });

  it('warns at start when the admin listener is on a non-loopback address without TLS', async () => {
    const gh = await startGatehouse({
      ...publicDeployment(['http://127.0.0.1:9']),
      server: { admin: { host: '0.0.0.0' } },
    });
    try {
      const line = gh.log.lines.find((l) => WARNING.test(String(l.msg)));
      assert.equal(line?.level, 'warn');
    } finally {
      await gh.stop();
    }
    const loopback = await startGatehouse(publicDeployment(['http://127.0.0.1:9']));
    await loopback.stop();
    assert.ok(!loopback.log.lines.some((l) => WARNING.test(String(l.msg))));
  });
});
