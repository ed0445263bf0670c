/**
 * The first half of the /manage_tokens script: requests (every one with the
 * X-Gatehouse-CSRF header), the JWT kept in a variable, its silent renewal from the
 * HttpOnly session cookie 30 s before expiry and once after a 401, and "session expired".
 * script.ts wraps both halves in one function scope.
 */
export const SESSION_PART = `  const $ = (id) => document.getElementById(id);
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

`;
