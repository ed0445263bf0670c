/**
 * The Dockerfile read as Docker reads it (dockerfile-ast) and linted by dockerfile-utils
 * (the Docker language server's validator): stages, base image, user, volume, ports,
 * HEALTHCHECK, labels, what the build context sends. `docker build` and hadolint run in
 * CI where they are installed (.ci/run); pod.test.ts runs the image's command.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { validate } from 'dockerfile-utils';
import { loadConfigFile } from '../../src/plan/validate.js';
import { ROOT } from './chart-model.js';
import { readDockerfile } from './dockerfile.js';

const image = readDockerfile();

function runCommands(stage: string): string {
  const found = image.stages.find((s) => s.name === stage);
  assert.ok(found, `stage ${stage}`);
  return found.instructions
    .filter((i) => i.getKeyword() === 'RUN')
    .map((i) => i.getArgumentsContent() ?? '')
    .join('\n');
}

/** .dockerignore as Docker applies it to these patterns: the last matching line decides. */
function sentToBuilder(path: string): boolean {
  let included = true;
  for (const raw of readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/\/$/, '');
    const matches = pattern === '*' || path === pattern || path.startsWith(`${pattern}/`);
    if (matches) included = negated;
  }
  return included;
}

describe('Dockerfile', () => {
  it('is valid for the Docker language server validator', () => {
    assert.deepEqual(
      validate(image.text).map(
        (d) => `${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
      ),
      [],
    );
  });

  it('builds in stages: tsc with dev dependencies, npm ci --omit=dev, a runtime with dist and production modules only', () => {
    assert.deepEqual(
      image.stages.map((s) => s.name),
      ['build', 'deps', 'runtime'],
    );
    assert.match(runCommands('build'), /^npm ci --ignore-scripts/m);
    assert.match(runCommands('build'), /^npm run build$/m);
    assert.match(runCommands('deps'), /npm ci --omit=dev/);
    assert.match(runCommands('deps'), /npm rebuild better-sqlite3/);
    assert.deepEqual(
      image.copies.map((c) => `${c.from ?? 'context'}:${c.sources.join(',')}`),
      [
        'deps:/usr/bin/tini',
        'deps:/app/node_modules',
        'build:/src/dist/src',
        'context:package.json',
        'context:bin',
        'context:examples/container/gatehouse.yaml',
      ],
    );
  });

  it('uses one Node LTS slim base pinned to a full version that package.json and better-sqlite3 support', () => {
    const bases = new Set(image.stages.map((s) => s.image));
    assert.equal(bases.size, 1);
    const match = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/.exec([...bases][0] ?? '');
    assert.ok(match, `pinned slim tag: ${[...bases].join()}`);
    const major = Number(match[1]);
    assert.equal(major % 2, 0, 'an even (LTS) Node line');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const [minMajor, minMinor] = (/>=(\d+)\.(\d+)/.exec(pkg.engines.node) ?? []).slice(1).map(Number);
    assert.ok(major > (minMajor ?? Infinity) || (major === minMajor && Number(match[2]) >= (minMinor ?? 0)));
    const sqlite = JSON.parse(
      readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8'),
    ) as {
      engines: { node: string };
    };
    assert.ok(
      sqlite.engines.node
        .split('||')
        .map((s) => s.trim())
        .includes(`${major}.x`),
      sqlite.engines.node,
    );
  });

  it('runs gatehouse start --config /etc/gatehouse/gatehouse.yaml under tini as uid 10001, state on the declared volume', () => {
    assert.deepEqual(image.entrypoint, ['/usr/bin/tini', '--', 'node', '/app/bin/gatehouse.js']);
    assert.deepEqual(image.cmd, ['start', '--config', '/etc/gatehouse/gatehouse.yaml']);
    assert.equal(image.user, '10001:10001');
    assert.equal(image.workdir, '/app');
    assert.deepEqual(image.volumes, ['/var/lib/gatehouse']);
    assert.deepEqual(image.exposed, [8080, 9090]);
    assert.equal(image.env.NODE_ENV, 'production');
  });

  it('has a HEALTHCHECK on /healthz and the OCI labels', () => {
    assert.equal(image.healthcheck.cmd[0], 'node');
    assert.match(image.env.GATEHOUSE_HEALTH_URL ?? '', /^http:\/\/127\.0\.0\.1:9090\/healthz$/);
    assert.match(image.healthcheck.cmd.join(' '), /process\.env\.GATEHOUSE_HEALTH_URL/);
    assert.deepEqual(Object.keys(image.healthcheck.flags).sort(), [
      'interval',
      'retries',
      'start-period',
      'timeout',
    ]);
    for (const label of ['title', 'description', 'version', 'revision', 'created', 'licenses', 'base.name'])
      assert.ok(image.labels[`org.opencontainers.image.${label}`], label);
  });

  it('sends the builder what the COPY instructions read and nothing else', () => {
    const contextSources = image.stages.flatMap((s) =>
      s.copies.filter((c) => c.from === null).flatMap((c) => c.sources),
    );
    assert.ok(contextSources.length >= 6);
    for (const source of contextSources) assert.ok(sentToBuilder(source), `${source} reaches the builder`);
    for (const path of ['node_modules', 'dist', '.git', 'test', 'data', 'config/gatehouse.yaml', 'helm'])
      assert.equal(sentToBuilder(path), false, `${path} stays out of the build context`);
  });

  it('ships a default configuration that is valid, listens on the exposed ports and keeps state on the volume', async () => {
    const copy = image.copies.find((c) => c.destination === '/etc/gatehouse/gatehouse.yaml');
    assert.ok(copy);
    const { config } = await loadConfigFile(join(ROOT, copy.sources[0] ?? ''));
    assert.deepEqual([config.server.dataPlane.port, config.server.admin.port], image.exposed);
    assert.equal(
      config.server.admin.host,
      '127.0.0.1',
      'the admin API is not published by a plain docker run',
    );
    assert.equal(config.store.type, 'sqlite');
    assert.equal(dirname(config.store.sqlite.dataDir), image.volumes[0]);
  });
});
