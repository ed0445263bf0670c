/**
 * The second half of the /manage_tokens script: the token list (readable local dates),
 * scopes to choose from the user's own, creating a token and copying it, the delete
 * confirmation dialog, sign-in forms and sign-out. Text only, never HTML.
 */
export const UI_PART = `  function localDay(date) {
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
    // The list first: the panel never shows a count of 0 that is only "not loaded yet".
    await loadTokens();
    $('login').hidden = true;
    $('manage').hidden = false;
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
`;
