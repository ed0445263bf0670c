/**
 * /manage_tokens: the page (static HTML), its script and stylesheet as files, and its
 * session endpoints (session.ts). The CSP allows scripts and styles from this
 * origin only (no inline code at all), fetches to this origin, no forms, frames, base
 * or plugins, and Trusted Types so the script cannot write HTML even by mistake.
 */
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { GrantDeps } from '../grants.js';
import { PAGE_HTML } from './html.js';
import { PAGE_SCRIPT } from './script.js';
import { createPageSessionRouter } from './session.js';
import { PAGE_CSS } from './style.js';

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface Asset {
  readonly body: string;
  readonly type: string;
  readonly etag: string;
}

const asset = (body: string, type: string): Asset => ({
  body,
  type,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

const ASSETS: Readonly<Record<string, Asset>> = {
  '/manage_tokens': asset(PAGE_HTML, 'text/html; charset=utf-8'),
  '/manage_tokens/app.js': asset(PAGE_SCRIPT, 'text/javascript; charset=utf-8'),
  '/manage_tokens/app.css': asset(PAGE_CSS, 'text/css; charset=utf-8'),
};

export function createManageTokensPage(deps: GrantDeps): Router {
  const router = Router();
  for (const [path, file] of Object.entries(ASSETS))
    router.get(path, (req: Request, res: Response) => {
      // `/manage_tokens/` would resolve the page's relative URLs one folder too deep.
      if (path === '/manage_tokens' && req.path.endsWith('/')) {
        res.redirect(301, '../manage_tokens');
        return;
      }
      res.set({
        ...SECURITY_HEADERS,
        'content-type': file.type,
        'cache-control': 'no-cache',
        etag: file.etag,
      });
      if (req.get('if-none-match') === file.etag) res.status(304).end();
      else res.status(200).send(file.body);
    });
  router.use(createPageSessionRouter(deps));
  return router;
}
