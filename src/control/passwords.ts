import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are stored as scrypt hashes: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`.
 * N=2^15, r=8, p=1 costs ~50-100 ms and 32 MiB per check, which is the point: people
 * choose passwords, so the hash must be slow to brute-force (API keys, which carry 256
 * random bits, use a fast SHA-256 instead).
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize('NFC'),
      salt,
      KEY_BYTES,
      { ...options, maxmem: MAX_MEMORY },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * A hash of a random password, made once at start: verifying against it costs what a
 * real check costs, from the very first unknown user on.
 */
let dummyHash: Promise<string> | undefined;
export function warmPasswordHashing(): Promise<string> {
  return (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));
}

/**
 * Constant-time check. `stored` undefined (unknown user, or a user without a password)
 * still runs a full scrypt against a dummy hash, so the answer time does not reveal
 * whether the user exists.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const hash = stored ?? (await warmPasswordHashing());
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return stored !== undefined && expected.length === actual.length && timingSafeEqual(expected, actual);
}
