/**
 * A container-like root filesystem for the image's start command, built with mounts
 * inside a private mount namespace (pod-runner.ts runs there as root): a tmpfs root
 * made read-only, the host's /usr read-only (node, tini, coreutils), the image's /app
 * from the build output and node_modules read-only, the ConfigMap-like folder at
 * /etc/gatehouse read-only, and only the data volume writable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Mount {
  /** Path inside the root (absolute, as in the image). */
  readonly target: string;
  /** Host path. */
  readonly source: string;
  readonly file?: boolean;
  readonly writable?: boolean;
}

export interface RootfsSpec {
  /** Empty host folder to mount the root tmpfs on. */
  readonly root: string;
  readonly uid: number;
  readonly gid: number;
  readonly mounts: readonly Mount[];
}

function mount(...args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function bind(source: string, target: string, writable: boolean): void {
  mount('--bind', source, target);
  if (!writable) mount('-o', 'remount,bind,ro', target);
}

/** Builds the root; returns its path. Must run as root in a private mount namespace. */
export function buildRootfs(spec: RootfsSpec): string {
  const root = spec.root;
  mount('-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', root);
  for (const dir of ['usr', 'dev', 'proc', 'etc', 'tmp', 'root'])
    mkdirSync(join(root, dir), { recursive: true });
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib64'],
    ['sbin', 'usr/sbin'],
  ] as const)
    symlinkSync(target, join(root, link));
  // The image's users (useradd in the Dockerfile) and a loopback-only hosts file.
  writeFileSync(
    join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\ngatehouse:x:${spec.uid}:${spec.gid}::/var/lib/gatehouse:/usr/sbin/nologin\n`,
  );
  writeFileSync(join(root, 'etc/group'), `root:x:0:\ngatehouse:x:${spec.gid}:\n`);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  bind('/usr', join(root, 'usr'), false);
  mount('--rbind', '/dev', join(root, 'dev'));
  mount('--rbind', '/proc', join(root, 'proc'));
  for (const m of spec.mounts) {
    const target = join(root, m.target);
    if (m.file) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, '');
    } else mkdirSync(target, { recursive: true });
  }
  for (const m of spec.mounts) bind(m.source, join(root, m.target), m.writable === true);
  mount('-o', 'remount,ro', root);
  return root;
}

/** argv that runs `command` inside the root as uid:gid with no capabilities and no privilege gain. */
export function chrootCommand(
  root: string,
  user: { uid: number; gid: number },
  env: Readonly<Record<string, string>>,
  workdir: string,
  command: readonly string[],
): string[] {
  return [
    'chroot',
    root,
    '/usr/bin/setpriv',
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--clear-groups',
    '--no-new-privs',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '/usr/bin/env',
    '-i',
    `--chdir=${workdir}`,
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...command,
  ];
}
