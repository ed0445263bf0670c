/**
 * /manage_tokens: one self-contained page (no external assets) that signs in with the
 * password grant (or takes a token), then lists, creates and deletes the user's personal
 * API tokens through /api/v1/tokens. The token lives in a JS variable only (never in
 * storage). Strict CSP: scripts and styles only with the per-response nonce; data is
 * written with textContent, never as HTML.
 */
import { randomBytes } from 'node:crypto';

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
input{margin:.2rem .5rem .2rem 0;padding:.3rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}
#new-token{font-family:monospace;background:#ffd;padding:.5rem;word-break:break-all}
.hidden{display:none}#status{color:#a00}`;

const SCRIPT = `
'use strict';
let token = '';
const $ = (id) => document.getElementById(id);
const api = (path) => new URL(path, location.href).toString();
function status(text) { $('status').textContent = text; }
async function call(method, path, body) {
  const res = await fetch(api(path), {
    method,
    headers: Object.assign({ authorization: 'Bearer ' + token }, body ? { 'content-type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message || ('HTTP ' + res.status));
  return data;
}
async function signedIn() {
  const me = await call('GET', 'api/v1/users/me');
  await refresh();
  $('who').textContent = 'Signed in as ' + me.username;
  $('login').classList.add('hidden');
  $('manage').classList.remove('hidden');
}
async function refresh() {
  const { tokens } = await call('GET', 'api/v1/tokens');
  const body = $('tokens');
  body.replaceChildren();
  for (const t of tokens) {
    const row = document.createElement('tr');
    row.dataset.id = t.id;
    for (const v of [t.name, t.prefix + '…', t.createdAt, t.expiresAt, t.lastUsedAt || 'never']) {
      const cell = document.createElement('td');
      cell.textContent = v;
      row.append(cell);
    }
    const button = document.createElement('button');
    button.textContent = 'Delete';
    button.className = 'delete';
    button.addEventListener('click', () => remove(t.id));
    const cell = document.createElement('td');
    cell.append(button);
    row.append(cell);
    body.append(row);
  }
  $('count').textContent = String(tokens.length);
}
async function remove(id) {
  try { await call('DELETE', 'api/v1/tokens/' + encodeURIComponent(id)); status('Token deleted.'); await refresh(); }
  catch (e) { status(e.message); }
}
$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const res = await fetch(api('api/v1/auth/tokens'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: $('username').value, password: $('password').value }),
    });
    const data = await res.json().catch(() => ({}));
    $('password').value = '';
    if (!res.ok) throw new Error(data.message || ('HTTP ' + res.status));
    token = data.jwt;
    status('');
    await signedIn();
  } catch (e) { status(e.message); }
});
$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  token = $('token-input').value.trim();
  $('token-input').value = '';
  try { status(''); await signedIn(); } catch (e) { token = ''; status(e.message); }
});
$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const days = Number($('days').value) || 30;
  const scopes = $('scopes').value.split(/\\s+/).filter(Boolean);
  const body = { name: $('name').value, expiresAt: new Date(Date.now() + days * 86400000).toISOString() };
  if (scopes.length > 0) body.scopes = scopes;
  try {
    const created = await call('POST', 'api/v1/tokens', body);
    $('new-token').textContent = created.token;
    $('new-token-box').classList.remove('hidden');
    status('');
    await refresh();
  } catch (e) { status(e.message); }
});
$('sign-out').addEventListener('click', () => { token = ''; location.reload(); });
`;

const BODY = `
<h1>Personal API tokens</h1>
<p id="status" role="alert"></p>
<div id="login">
<section><h2>Sign in</h2>
<form id="login-form"><input id="username" autocomplete="username" placeholder="User name" required>
<input id="password" type="password" autocomplete="current-password" placeholder="Password" required>
<button id="login-button" type="submit">Sign in</button></form></section>
<section><h2>…or use a token</h2>
<form id="token-form"><input id="token-input" type="password" placeholder="Token" required>
<button type="submit">Use token</button></form></section>
</div>
<div id="manage" class="hidden">
<p><span id="who"></span> <button id="sign-out" type="button">Sign out</button></p>
<section><h2>New token</h2>
<form id="create-form"><input id="name" placeholder="Name" maxlength="100" required>
<input id="days" type="number" min="1" max="3650" value="30" title="Days until it expires">
<input id="scopes" placeholder="Scopes (optional, space-separated)">
<button id="create" type="submit">Create</button></form>
<div id="new-token-box" class="hidden"><p>Copy the token now; it will not be shown again:</p><p id="new-token"></p></div>
</section>
<section><h2>Your tokens (<span id="count">0</span>)</h2>
<table><thead><tr><th>Name</th><th>Token</th><th>Created</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
<tbody id="tokens"></tbody></table></section>
</div>`;

export interface RenderedPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function renderManageTokensPage(): RenderedPage {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Gatehouse — personal API tokens</title><style nonce="${nonce}">${STYLE}</style></head>
<body>${BODY}<script nonce="${nonce}">${SCRIPT}</script></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "connect-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ].join('; '),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  };
}
