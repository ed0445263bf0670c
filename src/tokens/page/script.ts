/**
 * The /manage_tokens script (served as a file under `script-src 'self'` and Trusted
 * Types: it writes text only, never HTML). The JWT lives in a variable; the refresh
 * token lives in an HttpOnly cookie the script cannot read. The session is renewed
 * silently 30 s before the JWT expires and once after a 401; when that fails the page
 * says the session expired and shows the sign-in form. Every call carries the
 * X-Gatehouse-CSRF header (session.ts explains the CSRF defence).
 */
import { SESSION_PART } from './script-session.js';
import { UI_PART } from './script-ui.js';

export const PAGE_SCRIPT = `'use strict';
(() => {
${SESSION_PART}
${UI_PART}
})();
`;
