/**
 * "The container without the container": builds the project as the image's build stage
 * does (`npm run build`), lays out what the chart mounts (a kubelet-style ConfigMap
 * folder at /etc/gatehouse, the data volume), maps the final stage's COPY instructions
 * onto local paths, and runs pod-runner.ts in fresh network and mount namespaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { ROOT } from './chart-model.js';
import { writeConfigMapFolder, type FolderOwner } from './configmap-folder.js';
import type { ImageSpec } from './dockerfile.js';
import type { PodReport, PodScenario } from './pod-types.js';
import type { Mount } from './rootfs.js';

/** The PATH of the node base image (Docker passes the image's ENV; nothing else). */
const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `npm run build` into a fresh folder (the image's `dist/`); returns that folder. */
export function buildDist(): string {
  const out = mkdtempSync(join(tmpdir(), 'gatehouse-image-dist-'));
  const result = spawnSync('npm', ['run', 'build', '--silent', '--', '--outDir', out], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run build failed: ${result.stdout}${result.stderr}`);
  chmodSync(out, 0o755);
  return out;
}

/**
 * Where each COPY of the final stage comes from on this machine. Build-context paths
 * are the repository's; `--from=build` is the build output; `--from=deps` node_modules
 * is the repository's (dev dependencies included: a superset of `npm ci --omit=dev`).
 * Files the image takes from the base's /usr come from this machine's /usr.
 */
export function imageMounts(image: ImageSpec, dist: string): Mount[] {
  const mounts: Mount[] = [];
  for (const copy of image.copies) {
    for (const source of copy.sources) {
      const target = posix.isAbsolute(copy.destination)
        ? copy.destination
        : posix.join(
            image.workdir,
            copy.destination.endsWith('/') ? posix.join(copy.destination, source) : copy.destination,
          );
      if (target.startsWith('/usr/')) {
        // From the base image's /usr: this machine's /usr stands in for it.
        if (!existsSync(target))
          throw new Error(
            `${target} is missing here: install it (apt-get install ${basename(target)}); the image runs it`,
          );
        continue;
      }
      if (target.startsWith('/etc/gatehouse/')) continue; // hidden by the ConfigMap mount, as in the pod
      let local: string;
      if (copy.from === null) local = join(ROOT, source);
      else if (copy.from === 'build' && source.startsWith('/src/dist/'))
        local = join(dist, source.slice('/src/dist/'.length));
      else if (copy.from === 'deps' && source === '/app/node_modules') local = join(ROOT, 'node_modules');
      else throw new Error(`no local equivalent for COPY --from=${String(copy.from)} ${source}`);
      mounts.push({ target, source: local, file: statSync(local).isFile() });
    }
  }
  return mounts;
}

export interface PodOptions {
  readonly image: ImageSpec;
  readonly dist: string;
  /** Files of /etc/gatehouse: gatehouse.yaml and the projected secrets. */
  readonly configFiles: Readonly<Record<string, string>>;
  readonly configOwner: FolderOwner;
  readonly dataPlanePort: number;
  readonly adminPort: number;
  readonly scenario: Pick<PodScenario, 'upstreamPort' | 'requests' | 'reload' | 'drainPath' | 'drainHeaders'>;
}

export interface PodRun {
  readonly report: PodReport;
  /** The host folder mounted as the data volume (inspect what Gatehouse wrote). */
  readonly dataDir: string;
  cleanup(): void;
}

function parseUser(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`USER ${user} is not numeric uid:gid`);
  return { uid: uid as number, gid: gid as number };
}

export async function runPod(options: PodOptions): Promise<PodRun> {
  const { image } = options;
  const user = parseUser(image.user);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pod-'));
  chmodSync(dir, 0o755);
  const configDir = join(dir, 'config');
  writeConfigMapFolder(configDir, options.configFiles, options.configOwner);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, user.uid, user.gid);
  const rootDir = join(dir, 'root');
  mkdirSync(rootDir);
  const volume = image.volumes[0] as string;
  const scenario: PodScenario = {
    ...options.scenario,
    rootDir,
    uid: user.uid,
    gid: user.gid,
    mounts: [
      ...imageMounts(image, options.dist),
      { target: '/etc/gatehouse', source: configDir },
      { target: volume, source: dataDir, writable: true },
    ],
    configDir,
    configOwner: options.configOwner,
    env: { PATH: IMAGE_PATH, HOME: volume, ...image.env },
    workdir: image.workdir,
    command: [...image.entrypoint, ...image.cmd],
    healthcheck: image.healthcheck.cmd,
    dataPlaneUrl: `http://127.0.0.1:${options.dataPlanePort}`,
    adminUrl: `http://127.0.0.1:${options.adminPort}`,
    writeChecks: ['/', '/tmp', '/app', '/app/node_modules', '/etc/gatehouse', '/usr', volume],
    timeoutMs: 90_000,
  };
  const scenarioPath = join(dir, 'scenario.json');
  writeFileSync(scenarioPath, JSON.stringify(scenario));
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the runner is not a node:test child
  const child = spawn(
    'unshare',
    [
      '--net',
      '--mount',
      '--propagation',
      'private',
      '--',
      process.execPath,
      '--import',
      'tsx',
      join(ROOT, 'test/packaging/pod-runner.ts'),
      scenarioPath,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = stdout.split('\n').find((l) => l.startsWith('POD-REPORT '));
  if (!line) throw new Error(`pod-runner exited ${String(code)} without a report:\n${stdout}\n${stderr}`);
  return {
    report: JSON.parse(line.slice('POD-REPORT '.length)) as PodReport,
    dataDir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
