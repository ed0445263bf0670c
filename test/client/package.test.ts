/**
 * `import { GatehouseClient, Auth } from 'gatehouse/client'` from a consumer project, as
 * a user gets it: a package folder with this package.json (its `exports` and `files`)
 * and the SDK compiled with declarations as `npm run build` lays it out (only
 * src/client: the SDK imports nothing else of Gatehouse, which keeps this test within
 * the time a test file has), packed with `npm pack`, unpacked into the consumer's
 * node_modules, type-checked by tsc through the `exports` map's types, and run with
 * plain Node against a real Gatehouse.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { login, putUsers, tokenConfig } from '../tokens/support.js';
import { childEnv, ROOT } from './support.js';

const run = promisify(execFile);
const SLOW = { timeout: 600_000 };

const CONSUMER_TS = `
import { Auth, AuthenticationError, GatehouseClient, type Me } from 'gatehouse/client';
const auth = new Auth({ url: 'http://127.0.0.1:1', token: 'x', leewaySec: 30 });
const client = new GatehouseClient({ auth });
const me: Promise<Me> = client.me();
const isAuthError = (e: unknown): boolean => e instanceof AuthenticationError;
// @ts-expect-error: not an option
new Auth({ nosuchoption: true });
void me;
void isAuthError;
`;

const CONSUMER_JS = `
import { Auth, GatehouseClient, TokenExpiredError } from 'gatehouse/client';
const client = new GatehouseClient({ auth: new Auth({ tokenInfoPath: false }) });
const me = await client.me();
console.log(JSON.stringify({ username: me.username, typed: typeof TokenExpiredError }));
await client.close();
`;

describe('the gatehouse/client package entry', SLOW, () => {
  let gh: TestGatehouse;
  let dir: string;

  before(async () => {
    gh = await startGatehouse(tokenConfig('http://127.0.0.1:9'));
    await putUsers(gh.gatehouse, [{ id: 'alice', password: 'alice-pw' }]);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-consumer-'));
  });
  after(async () => {
    await gh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is packed, type-checked and imported by package name from a consumer project', SLOW, async () => {
    const pkg = join(dir, 'package');
    mkdirSync(pkg);
    for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'bin'])
      cpSync(join(ROOT, file), join(pkg, file), { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.build.json'),
        compilerOptions: {
          rootDir: ROOT,
          outDir: join(pkg, 'dist'),
          sourceMap: false,
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: [],
        files: [join(ROOT, 'src/client/index.ts')],
      }),
    );
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
      {
        cwd: ROOT,
      },
    );
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: pkg,
      env: childEnv(dir),
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(info);
    const files = info.files.map((f) => f.path);
    for (const needed of ['dist/src/client/index.js', 'dist/src/client/index.d.ts', 'bin/gatehouse.js'])
      assert.ok(files.includes(needed), `the package has ${needed}`);
    assert.ok(
      files.every((f) => !f.startsWith('dist/src/server/') && !f.startsWith('dist/src/tokens/')),
      'the SDK pulls in no server code',
    );

    const consumer = join(dir, 'consumer');
    const modules = join(consumer, 'node_modules');
    mkdirSync(join(modules, 'gatehouse'), { recursive: true });
    await run('tar', [
      '-xzf',
      join(dir, info.filename),
      '-C',
      join(modules, 'gatehouse'),
      '--strip-components=1',
    ]);
    // The package's dependencies, as npm would install them (linked from this checkout).
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies)) {
      mkdirSync(join(modules, name, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
    }
    mkdirSync(join(modules, '@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(modules, '@types/node'));
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    writeFileSync(join(consumer, 'check.ts'), CONSUMER_TS);
    writeFileSync(join(consumer, 'main.mjs'), CONSUMER_JS);

    const answer = await login(gh.adminUrl, 'alice', 'alice-pw', {
      issueRefreshToken: true,
      clientId: 'consumer',
    });
    const [typecheck, result] = await Promise.all([
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer], {
        cwd: consumer,
      }).catch((e: { stdout?: string; code?: number }) => ({ stdout: e.stdout ?? '', code: e.code })),
      run(process.execPath, ['main.mjs'], {
        cwd: consumer,
        env: childEnv(dir, {
          GATEHOUSE_URL: gh.adminUrl,
          GATEHOUSE_CLIENT_ID: 'consumer',
          GATEHOUSE_REFRESH_TOKEN: answer.refresh_token as string,
        }),
      }),
    ]);
    assert.equal('code' in typecheck ? typecheck.code : 0, 0, `tsc: ${typecheck.stdout}`);
    assert.deepEqual(JSON.parse(result.stdout), { username: 'alice', typed: 'function' });

    const deep = await run(
      process.execPath,
      ['--input-type=module', '-e', "await import('gatehouse/dist/src/client/auth.js')"],
      {
        cwd: consumer,
      },
    ).catch((e: { stderr?: string }) => ({ stderr: e.stderr ?? '' }));
    assert.match(
      deep.stderr,
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
      'only the exported entry points are importable',
    );
  });
});
