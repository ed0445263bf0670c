import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig } from '../../src/config/load.js';
import { MAX_SECRET_FILE_BYTES } from '../../src/config/secret-ref.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { source: 'test.yaml', baseDir: dir, env });

function issuesOf(text: string, env: Record<string, string> = {}): { path: string; message: string }[] {
  try {
    parse(text, env);
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

describe('configuration loading', () => {
  it('accepts the bundled example and fills defaults', () => {
    const config = parse(readFileSync('config/gatehouse.yaml', 'utf8'));
    assert.equal(config.deployments[0]?.enabled, true);
    assert.equal(config.server.admin.host, '127.0.0.1');
    assert.equal(config.infrastructures[0]?.timeouts.connectMs, 5000);
    assert.deepEqual(config.infrastructures[0]?.nodes[0], { url: 'http://127.0.0.1:9001', weight: 1 });
  });

  const invalid: [string, string, string, RegExp][] = [
    ['unknown top-level key', `${BASE}\nbogus: 1\n`, '(root)', /Unrecognized key: "bogus"/],
    [
      'unknown nested key',
      BASE.replace('id: dep', 'id: dep\n    color: red'),
      'deployments[0]',
      /Unrecognized key: "color"/,
    ],
    [
      'wrong type',
      BASE.replace('nodes: [http://127.0.0.1:9001]', 'nodes: 5'),
      'infrastructures[0].nodes',
      /expected array/,
    ],
    [
      'node with a path',
      BASE.replace('http://127.0.0.1:9001', 'http://127.0.0.1:9001/base'),
      'infrastructures[0].nodes[0]',
      /origin only/,
    ],
    [
      'node with ftp',
      BASE.replace('http://127.0.0.1:9001', 'ftp://127.0.0.1:9001'),
      'infrastructures[0].nodes[0]',
      /http or https/,
    ],
    [
      'empty node list',
      BASE.replace('nodes: [http://127.0.0.1:9001]', 'nodes: []'),
      'infrastructures[0].nodes',
      /at least one node/,
    ],
    ['bad id', BASE.replace('id: dep', 'id: "../dep"'), 'deployments[0].id', /letters, digits/],
    [
      'traversal in base path',
      BASE.replace('infrastructure: infra', 'infrastructure: infra\n    basePath: /a/../b'),
      'deployments[0].basePath',
      /segments/,
    ],
    [
      'escape in base path',
      BASE.replace('infrastructure: infra', 'infrastructure: infra\n    basePath: /a%2fb'),
      'deployments[0].basePath',
      /unescaped/,
    ],
    [
      'host with port',
      BASE.replace('infrastructure: infra', 'infrastructure: infra\n    host: api.example.com:80'),
      'deployments[0].host',
      /without port/,
    ],
    [
      'no methods',
      BASE.replace('methods: [public]', 'methods: []'),
      'services[0].versions[0].auth.methods',
      /at least one/,
    ],
    [
      'unknown method',
      BASE.replace('methods: [public]', 'methods: [magic]'),
      'services[0].versions[0].auth.methods[0]',
      /Invalid option/,
    ],
    [
      'apiKeys without keys settings',
      BASE.replace('methods: [public]', 'methods: [apiKeys]'),
      'services[0].versions[0].auth.apiKeys',
      /needs apiKeys/,
    ],
    [
      'bad key hash',
      BASE.replace(
        'auth: {methods: [public]}',
        'auth: {methods: [apiKeys], apiKeys: {keys: [{id: k, hash: "md5:abc"}]}}',
      ),
      'services[0].versions[0].auth.apiKeys.keys[0].hash',
      /sha256/,
    ],
    [
      'unknown service',
      BASE.replace('service: svc', 'service: nope'),
      'deployments[0].service',
      /unknown service "nope"/,
    ],
    [
      'unknown version',
      BASE.replace('version: v1\n    infra', 'version: v9\n    infra'),
      'deployments[0].version',
      /has no version "v9"/,
    ],
    [
      'unknown infrastructure',
      BASE.replace('infrastructure: infra', 'infrastructure: nope'),
      'deployments[0].infrastructure',
      /unknown infrastructure/,
    ],
    [
      'unknown provider',
      BASE.replace('auth: {methods: [public]}', 'auth: {methods: [jwt], jwt: {providers: [idp]}}'),
      'services[0].versions[0].auth.jwt.providers[0]',
      /unknown provider "idp"/,
    ],
    [
      'missing env secret',
      `${BASE}\nproviders:\n  - {id: p, type: hmac, audiences: [a], secrets: [{secret: {env: MISSING_SECRET}}]}\n`,
      'providers[0].secrets[0].secret',
      /MISSING_SECRET is not set/,
    ],
    [
      'missing file secret',
      `${BASE}\nproviders:\n  - {id: p, type: hmac, audiences: [a], secrets: [{secret: {file: nope.txt}}]}\n`,
      'providers[0].secrets[0].secret',
      /cannot be read \(ENOENT\)/,
    ],
    [
      'short HMAC secret',
      `${BASE}\nproviders:\n  - {id: p, type: hmac, audiences: [a], secrets: [{secret: short}]}\n`,
      'providers[0].secrets[0].secret',
      /at least 32 bytes/,
    ],
    [
      'HMAC algorithm on a JWKS provider',
      `${BASE}\nproviders:\n  - {id: p, type: jwks, jwksUri: "https://idp/jwks", audiences: [a], algorithms: [HS256]}\n`,
      'providers[0].algorithms[0]',
      /Invalid option/,
    ],
    [
      'asymmetric algorithm on an HMAC provider',
      `${BASE}\nproviders:\n  - {id: p, type: hmac, audiences: [a], algorithms: [RS256], secrets: [{secret: "${'x'.repeat(32)}"}]}\n`,
      'providers[0].algorithms[0]',
      /Invalid option/,
    ],
    [
      'discovery without issuer',
      `${BASE}\nproviders:\n  - {id: p, type: jwks, discovery: true, audiences: [a]}\n`,
      'providers[0].issuer',
      /discovery needs the issuer/,
    ],
    [
      'provider without audience',
      `${BASE}\nproviders:\n  - {id: p, type: jwks, jwksUri: "https://idp/jwks", audiences: []}\n`,
      'providers[0].audiences',
      /at least one accepted audience/,
    ],
    [
      'claim header naming an identity header',
      BASE.replace(
        'auth: {methods: [public]}',
        'auth: {methods: [public], claimHeaders: {X-Auth-Subject: email}}',
      ),
      'services[0].versions[0].auth.claimHeaders.X-Auth-Subject',
      /sets or strips itself/,
    ],
    [
      'two providers with one issuer on a deployment',
      `${BASE.replace('auth: {methods: [public]}', 'auth: {methods: [jwt], jwt: {providers: [a, b]}}')}\nproviders:\n  - {id: a, type: hmac, issuer: same, audiences: [x], secrets: [{secret: "${'x'.repeat(32)}"}]}\n  - {id: b, type: hmac, issuer: same, audiences: [x], secrets: [{secret: "${'y'.repeat(32)}"}]}\n`,
      'services[0].versions[0].auth.jwt.providers[1]',
      /same issuer as "a"/,
    ],
    [
      'bad trustProxy entry',
      `${BASE}\nserver:\n  dataPlane:\n    trustProxy: [10.0.0.0/33]\n`,
      'server.dataPlane.trustProxy[0]',
      /CIDR/,
    ],
  ];
  for (const [name, text, path, message] of invalid) {
    it(`refuses ${name} at ${path}`, () => {
      const issues = issuesOf(text);
      const found = issues.find((i) => i.path === path);
      assert.ok(found, `no issue at ${path}; got ${JSON.stringify(issues)}`);
      assert.match(found.message, message);
    });
  }

  it('refuses two deployments that would match the same requests, naming both', () => {
    const text = `${BASE}  - id: dep2\n    service: svc\n    version: v1\n    infrastructure: infra\n`;
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['deployments[1].service'],
    );
    assert.match(issues[0]!.message, /"dep2" would match the same requests as deployment "dep"/);
    // Same base path on different hosts is fine; same host and base path is not.
    const hosts = `${BASE}    host: a.example.com\n  - id: dep2\n    service: svc\n    version: v1\n    infrastructure: infra\n    host: b.example.com\n`;
    assert.doesNotThrow(() => parse(hosts));
  });

  it('reports every problem at once', () => {
    const text = BASE.replace('nodes: [http://127.0.0.1:9001]', 'nodes: []')
      .replace('id: dep', 'id: dep\n    color: red')
      .replace('methods: [public]', 'methods: []');
    const paths = issuesOf(text)
      .map((i) => i.path)
      .sort();
    assert.deepEqual(paths, [
      'deployments[0]',
      'infrastructures[0].nodes',
      'services[0].versions[0].auth.methods',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with a line number', () => {
    assert.match(issuesOf('a: [1, 2\n')[0]!.path, /^line \d+:\d+$/);
    const duplicate = issuesOf('logging:\n  level: info\nlogging:\n  level: debug\n');
    assert.match(duplicate[0]!.path, /^line 3:/);
    assert.match(duplicate[0]!.message, /unique|duplicate/i);
  });

  it('resolves {env} and {file} secrets, relative files from the config folder, without echoing values', () => {
    writeFileSync(join(dir, 'hmac.txt'), `${'f'.repeat(40)}\n`);
    const text = `${BASE}\nproviders:\n  - {id: a, type: hmac, audiences: [x], secrets: [{secret: {env: HMAC_SECRET}}, {kid: k2, secret: {file: hmac.txt}}]}\n`;
    const config = parse(text, { HMAC_SECRET: 'e'.repeat(48) });
    const provider = config.providers[0];
    assert.equal(provider?.type, 'hmac');
    if (provider?.type !== 'hmac') return;
    assert.equal(provider.secrets[0]?.secret, 'e'.repeat(48));
    assert.equal(provider.secrets[1]?.secret, 'f'.repeat(40), 'one trailing newline is dropped');
    const issues = issuesOf(text.replace('hmac.txt', 'missing.txt'), { HMAC_SECRET: 'e'.repeat(48) });
    assert.ok(issues.every((i) => !i.message.includes('eeee')));
  });

  it('refuses a secret file that is too large or not a regular file, naming the file only', () => {
    writeFileSync(join(dir, 'huge.txt'), 'h'.repeat(MAX_SECRET_FILE_BYTES + 1));
    writeFileSync(join(dir, 'largest.txt'), 'l'.repeat(MAX_SECRET_FILE_BYTES));
    const text = (file: string): string =>
      `${BASE}\nproviders:\n  - {id: a, type: hmac, audiences: [x], secrets: [{secret: {file: ${file}}}]}\n`;
    const huge = issuesOf(text('huge.txt'));
    assert.equal(huge[0]?.path, 'providers[0].secrets[0].secret');
    assert.match(huge[0]?.message ?? '', /huge\.txt is larger than 1 MiB/);
    assert.ok(huge.every((i) => !i.message.includes('hhhh')));
    const largest = parse(text('largest.txt')).providers[0];
    assert.equal(largest?.type === 'hmac' && largest.secrets[0]?.secret.length, MAX_SECRET_FILE_BYTES);
  });

  it('refuses a Redis URL that the client cannot parse, without quoting its password', () => {
    // `new URL` (which the Redis client calls at start) throws on it, its error quoting the URL.
    const issues = issuesOf(
      `${BASE}\nstore: {type: redis, redis: {url: "redis://:s3cr#t@127.0.0.1:6379/0"}}\n`,
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['store.redis.url'],
    );
    assert.ok(issues.every((i) => !i.message.includes('s3cr')));
    const ok = parse(`${BASE}\nstore: {type: redis, redis: {url: "redis://:s3cr%23t@127.0.0.1:6379/0"}}\n`);
    assert.equal(ok.store.redis.url, 'redis://:s3cr%23t@127.0.0.1:6379/0');
  });
});

describe('gatehouse check-config', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gatehouse-dev.ts', ...args], {
      encoding: 'utf8',
    });

  it('refuses a secret file that is a FIFO or a device at once instead of blocking on it', () => {
    const fifoDir = mkdtempSync(join(tmpdir(), 'gatehouse-fifo-'));
    assert.equal(spawnSync('mkfifo', [join(fifoDir, 'secret.pipe')]).status, 0);
    for (const file of ['secret.pipe', '/dev/zero']) {
      writeFileSync(
        join(fifoDir, 'gatehouse.yaml'),
        `${BASE}\nproviders:\n  - {id: a, type: hmac, audiences: [x], secrets: [{secret: {file: ${file}}}]}\n`,
      );
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/gatehouse-dev.ts', 'check-config', join(fifoDir, 'gatehouse.yaml')],
        { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
      );
      assert.equal(
        result.status,
        1,
        `${file}: status ${result.status} signal ${result.signal}: ${result.stderr}`,
      );
      assert.ok(result.stderr.includes(`${file} is not a regular file`), result.stderr);
    }
  });

  it('exits 0 for a valid file and prints a summary', () => {
    const result = cli('check-config', 'config/gatehouse.yaml');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /OK \(1 infrastructure\(s\), 2 service\(s\), 2 deployment\(s\)\)/);
  });

  it('exits 1 and lists every problem with its key path', () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(
      path,
      BASE.replace('service: svc', 'service: nope').replace('nodes: [http://127.0.0.1:9001]', 'nodes: []'),
    );
    const result = cli('check-config', path);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /infrastructures\[0\]\.nodes: an infrastructure needs at least one node/);
    const missing = cli('check-config', join(dir, 'absent.yaml'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read configuration file \(ENOENT\)/);
  });
});

describe('empty configuration files', () => {
  it('refuses an empty or blank file (a half-written file must not drop every route)', () => {
    for (const text of ['', '   \n\n']) {
      const issues = issuesOf(text);
      assert.deepEqual(issues, [{ path: '(file)', message: 'the configuration file is empty' }]);
    }
    assert.doesNotThrow(() => parse('{}'));
  });
});
