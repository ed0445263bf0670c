/**
 * A folder laid out as the kubelet lays out a ConfigMap, Secret or projected volume:
 * the files live in a timestamped folder, `..data` is a symlink to it, and each
 * top-level entry is a symlink through `..data`. An update writes a new timestamped
 * folder and renames a new `..data` symlink over the old one (one atomic swap).
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export interface FolderOwner {
  readonly uid: number;
  readonly gid: number;
  /** File mode, e.g. 0o440 (the projected volume's defaultMode). */
  readonly mode: number;
}

let generation = 0;

function writeGeneration(dir: string, files: Readonly<Record<string, string>>, owner: FolderOwner): string {
  generation += 1;
  const name = `..2026_01_01_00_00_${String(generation).padStart(2, '0')}.${process.pid}`;
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, name, path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, content);
    chownSync(target, owner.uid, owner.gid);
    chmodSync(target, owner.mode);
  }
  return name;
}

/** Creates the folder with `files` (relative paths → content). */
export function writeConfigMapFolder(
  dir: string,
  files: Readonly<Record<string, string>>,
  owner: FolderOwner,
): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const name = writeGeneration(dir, files, owner);
  symlinkSync(name, join(dir, '..data'));
  linkTopLevel(dir, files);
}

function linkTopLevel(dir: string, files: Readonly<Record<string, string>>): void {
  for (const top of new Set(Object.keys(files).map((p) => p.split('/')[0] as string)))
    if (!existsSync(join(dir, top))) symlinkSync(join('..data', top), join(dir, top));
}

/** The kubelet's update: new generation, `..data` swapped by rename, the old generation removed. */
export function swapConfigMap(
  dir: string,
  files: Readonly<Record<string, string>>,
  owner: FolderOwner,
): void {
  const old = readlinkSync(join(dir, '..data'));
  const name = writeGeneration(dir, files, owner);
  symlinkSync(name, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  linkTopLevel(dir, files);
  rmSync(join(dir, old), { recursive: true, force: true });
}
