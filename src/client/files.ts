/**
 * Private files shared between processes: written atomically (a 0600 temporary file in
 * the same folder, fsync, rename) in a folder created 0700, and a cross-process lock
 * around read-modify-write cycles. The lock is proper-lockfile's: an atomic `mkdir`
 * whose mtime the holder keeps fresh, so a crashed holder's lock goes stale (10 s) and
 * is taken over, while a slow live holder keeps it; waiting is retried with backoff.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
const LOCK_STALE_MS = 10_000;

/** Creates the folder (0700) when missing. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
}

/** Replaces `path` with `content` (mode 0600) so that readers see the old or the new file, never a part. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', FILE_MODE);
  try {
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temporary, FILE_MODE);
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Runs `work` while holding the cross-process lock of `path` (`path.lock`). */
export async function withFileLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  await ensurePrivateDir(dirname(path));
  const release = await lock(path, {
    realpath: false,
    stale: LOCK_STALE_MS,
    retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 200, randomize: true },
    // A lock lost to staleness while held: the work is a few file operations and at most one
    // token request; the atomic rename keeps the file whole either way.
    onCompromised: () => undefined,
  });
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
