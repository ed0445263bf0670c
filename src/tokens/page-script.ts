/**
 * The /manage_tokens script (served as a file under `script-src 'self'` and Trusted
 * Types: it writes text only, never HTML). The JWT lives in a variable; the refresh
 * token lives in an HttpOnly cookie the script cannot read. The session is renewed
 * silently 30 s before the JWT expires and once after a 401; when that fails the page
 * says the session expired and shows the sign-in form. Every call carries the
 * X-Gatehouse-CSRF header (page-session.ts explains the CSRF defence).
 */
export const PAGE_SCRIPT = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const url = (path) => new URL(path, location.href).toString();
  const RENEW_BEFORE_MS = 30000;
  const state = { jwt: '', expiresAt: 0, renewable: false, timer: 0, tokens: [] };
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  function showError(text) {
    $('notice').textContent = '';
    $('error').textContent = text;
  }
  function showNotice(text) {
    $('error').textContent = '';
    $('notice').textContent = text;
  }

  async function send(method, path, body, bearer) {
    const headers = { accept: 'application/json', 'x-gatehouse-csrf': '1' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (bearer) headers.authorization = 'Bearer ' + bearer;
    const res = await fetch(url(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    return { res, data };
  }

  function adopt(answer, renewable) {
    state.jwt = answer.jwt;
    state.expiresAt = Date.now() + answer.duration * 1000;
    state.renewable = renewable;
    clearTimeout(state.timer);
    if (renewable)
      state.timer = setTimeout(() => {
        renew().then((ok) => {
          if (!ok) expired();
        });
      }, Math.max(1000, state.expiresAt - Date.now() - RENEW_BEFORE_MS));
  }

  async function renew() {
    if (!state.renewable) return false;
    try {
      const { res, data } = await send('POST', 'manage_tokens/refresh');
      if (!res.ok) return false;
      adopt(data, true);
      return true;
    } catch {
      return false;
    }
  }

  function signedOut() {
    clearTimeout(state.timer);
    state.jwt = '';
    state.renewable = false;
    state.tokens = [];
    $('tokens').replaceChildren();
    $('new-token').textContent = '';
    $('new-token-box').hidden = true;
    $('manage').hidden = true;
    $('login').hidden = false;
  }

  function expired() {
    signedOut();
    showError('Your session has expired. Sign in again.');
    $('username').focus();
  }

  class Expired extends Error {}

  async function api(method, path, body) {
    for (let attempt = 0; ; attempt++) {
      const { res, data } = await send(method, path, body, state.jwt);
      if (res.status === 401) {
        if (attempt === 0 && (await renew())) continue;
        expired();
        throw new Expired();
      }
      if (!res.ok) throw new Error(data.message || 'The request failed (HTTP ' + res.status + ').');
      return data;
    }
  }

  function report(error) {
    if (!(error instanceof Expired)) showError(error.message);
  }

  function localDay(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate());
  }

  function timeCell(iso, fallback) {
    const cell = document.createElement('td');
    if (!iso) {
      cell.textContent = fallback;
      return cell;
    }
    const time = document.createElement('time');
    time.dateTime = iso;
    time.title = iso;
    time.textContent = when.format(new Date(iso));
    cell.append(time);
    return cell;
  }

  function textCell(text) {
    const cell = document.createElement('td');
    cell.textContent = text;
    return cell;
  }

  function renderScopes(scopes) {
    const list = $('scope-list');
    list.replaceChildren();
    if (scopes.length === 0) {
      list.textContent = 'You hold no scopes.';
      return;
    }
    scopes.forEach((scope, i) => {
      const label = document.createElement('label');
      label.className = 'scope';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'scope';
      box.value = scope;
      box.id = 'scope-' + i;
      label.append(box, scope);
      list.append(label);
    });
  }

  async function loadTokens() {
    const { tokens } = await api('GET', 'api/v1/tokens');
    state.tokens = tokens;
    const body = $('tokens');
    body.replaceChildren();
    for (const t of tokens) {
      const row = document.createElement('tr');
      row.dataset.id = t.id;
      row.append(
        textCell(t.name),
        textCell(t.prefix + '…'),
        textCell(t.scopes ? t.scopes.join(' ') : 'all of yours'),
        timeCell(t.createdAt),
        timeCell(t.expiresAt),
        timeCell(t.lastUsedAt, 'never'),
      );
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'delete';
      button.textContent = 'Delete';
      button.setAttribute('aria-label', 'Delete token ' + t.name);
      button.addEventListener('click', () => confirmDelete(t, button));
      const cell = document.createElement('td');
      cell.append(button);
      row.append(cell);
      body.append(row);
    }
    $('count').textContent = String(tokens.length);
    $('token-table').hidden = tokens.length === 0;
    $('empty').hidden = tokens.length > 0;
  }

  async function signedIn() {
    const me = await api('GET', 'api/v1/users/me');
    $('who').textContent = 'Signed in as ' + me.username;
    renderScopes(me.scopes);
    const today = new Date();
    $('expires').min = localDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1));
    $('expires').value = localDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() + 30));
    $('login').hidden = true;
    $('manage').hidden = false;
    await loadTokens();
  }

  let pending = null;
  function confirmDelete(token, opener) {
    pending = { token, opener };
    $('confirm-text').textContent =
      'Delete the token "' + token.name + '" (' + token.prefix + '…)? This cannot be undone: ' +
      'anything using it is refused at once.';
    $('confirm').showModal();
    $('confirm-cancel').focus();
  }
  $('confirm-cancel').addEventListener('click', () => $('confirm').close('cancel'));
  $('confirm-delete').addEventListener('click', () => $('confirm').close('delete'));
  $('confirm').addEventListener('close', async () => {
    const chosen = pending;
    pending = null;
    if (!chosen) return;
    if ($('confirm').returnValue !== 'delete') {
      chosen.opener.focus();
      return;
    }
    try {
      await api('DELETE', 'api/v1/tokens/' + encodeURIComponent(chosen.token.id));
      await loadTokens();
      showNotice('Token "' + chosen.token.name + '" deleted.');
      $('list-title').focus();
    } catch (e) {
      report(e);
    }
  });

  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { username: $('username').value, password: $('password').value };
    $('password').value = '';
    try {
      const { res, data } = await send('POST', 'manage_tokens/session', body);
      if (!res.ok) throw new Error(data.message || 'Sign-in failed (HTTP ' + res.status + ').');
      adopt(data, true);
      showNotice('');
      await signedIn();
    } catch (e) {
      report(e);
    }
  });

  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const jwt = $('token-input').value.trim();
    $('token-input').value = '';
    state.jwt = jwt;
    state.renewable = false;
    try {
      const { res, data } = await send('GET', 'api/v1/users/me', undefined, jwt);
      if (!res.ok) throw new Error(data.message || 'The token was refused (HTTP ' + res.status + ').');
      showNotice('');
      await signedIn();
    } catch (e) {
      signedOut();
      report(e);
    }
  });

  $('create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const [y, m, d] = $('expires').value.split('-').map(Number);
    const scopes = Array.from(document.querySelectorAll('#scope-list input:checked')).map((b) => b.value);
    const body = { name: $('name').value, expiresAt: new Date(y, m - 1, d, 23, 59, 59).toISOString() };
    if (scopes.length > 0) body.scopes = scopes;
    try {
      const created = await api('POST', 'api/v1/tokens', body);
      $('new-token').textContent = created.token;
      $('new-token-box').hidden = false;
      $('name').value = '';
      await loadTokens();
      showNotice('Token "' + created.name + '" created. Copy it now: it will not be shown again.');
      $('new-token-title').focus();
    } catch (e) {
      report(e);
    }
  });

  $('copy').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('new-token').textContent);
      showNotice('Token copied to the clipboard.');
    } catch {
      showError('Could not copy: select the token and copy it by hand.');
    }
  });

  $('sign-out').addEventListener('click', async () => {
    const renewable = state.renewable;
    signedOut();
    if (renewable) await send('DELETE', 'manage_tokens/session').catch(() => undefined);
    showNotice('Signed out.');
  });

  if (!window.isSecureContext) $('insecure').hidden = false;
  // Resume a session kept in the cookie, if any; otherwise ask to sign in.
  (async () => {
    state.renewable = true;
    if (await renew()) {
      try {
        await signedIn();
        return;
      } catch (e) {
        report(e);
      }
    }
    signedOut();
  })();
})();
`;
