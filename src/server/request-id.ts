import { randomUUID } from 'node:crypto';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The inbound X-Request-Id when it is sane (short, printable, no spaces), else a new UUID. */
export function requestIdFor(inbound: string | string[] | undefined): string {
  if (typeof inbound === 'string' && SANE_REQUEST_ID.test(inbound)) return inbound;
  return randomUUID();
}
