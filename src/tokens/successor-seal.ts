/**
 * The sealed successor of a rotated refresh token, so a retry of the rotation within the
 * grace window gets the *same* successor back (never a second branch of the chain).
 * The successor's secret is kept only encrypted (AES-256-GCM) under a key derived
 * (HKDF-SHA256) from the secret of the token it replaced, which the store holds only as
 * a digest: reading the store is not enough to open it, only presenting the rotated
 * token is. The family id and the successor's id are bound in as associated data.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

export const sealedSuccessorSchema = z.object({
  iv: z.string(),
  data: z.string(),
  tag: z.string(),
});
export type SealedSuccessor = z.infer<typeof sealedSuccessorSchema>;

const INFO = 'gatehouse refresh-token successor v1';

function keyOf(rotatedSecret: string, rotatedId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', rotatedSecret, rotatedId, INFO, 32));
}

function aad(familyKey: string, successorId: string): Buffer {
  return Buffer.from(`${familyKey}\n${successorId}`, 'utf8');
}

/** Seals `successorSecret` for whoever holds the rotated token (`rotatedId`.`rotatedSecret`). */
export function sealSuccessor(
  rotated: { readonly id: string; readonly secret: string },
  familyKey: string,
  successor: { readonly id: string; readonly secret: string },
): SealedSuccessor {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(rotated.secret, rotated.id), iv);
  cipher.setAAD(aad(familyKey, successor.id));
  const data = Buffer.concat([cipher.update(successor.secret, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64url'),
    data: data.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** The successor's secret, or undefined when the seal does not open with this token. */
export function openSuccessor(
  rotated: { readonly id: string; readonly secret: string },
  familyKey: string,
  successorId: string,
  sealed: SealedSuccessor,
): string | undefined {
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyOf(rotated.secret, rotated.id),
      Buffer.from(sealed.iv, 'base64url'),
      { authTagLength: 16 },
    );
    decipher.setAAD(aad(familyKey, successorId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}
