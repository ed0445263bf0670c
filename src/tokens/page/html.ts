/**
 * The /manage_tokens page's HTML: static (no inline script or style, no nonce), so the
 * CSP can say `script-src 'self'; style-src 'self'`. Every input has a label, the
 * shown-once token has a copy button, deleting asks in a modal dialog, and messages go
 * to a status region (success) or an alert region (errors). Assets and API calls use
 * relative URLs, so the page also works under a gateway prefix such as /gatehouse.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Gatehouse: personal API tokens</title>
<link rel="stylesheet" href="manage_tokens/app.css">
<script src="manage_tokens/app.js" defer></script>
</head>
<body>
<main>
<h1>Personal API tokens</h1>
<p id="insecure" class="message warning" hidden>This page is not served over HTTPS, so your browser will not keep the sign-in session: sign in again when it expires (after 5 minutes).</p>
<div id="error" class="message error" role="alert"></div>
<div id="notice" class="message notice" role="status"></div>

<section id="login" aria-labelledby="login-title" hidden>
<h2 id="login-title">Sign in</h2>
<form id="login-form">
<div class="field"><label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required></div>
<div class="field"><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></div>
<button id="login-button" type="submit">Sign in</button>
</form>
<details>
<summary>Use a token instead</summary>
<form id="token-form">
<div class="field"><label for="token-input">Gatehouse token (JWT)</label>
<input id="token-input" type="password" autocomplete="off" required aria-describedby="token-hint">
<span id="token-hint" class="hint">A pasted token is not renewed: sign in again when it expires.</span></div>
<button type="submit">Use token</button>
</form>
</details>
</section>

<div id="manage" hidden>
<p class="account"><span id="who"></span> <button id="sign-out" type="button">Sign out</button></p>

<section aria-labelledby="create-title">
<h2 id="create-title">New token</h2>
<form id="create-form">
<div class="field"><label for="name">Name</label>
<input id="name" maxlength="100" required aria-describedby="name-hint">
<span id="name-hint" class="hint">What the token is for, for example "CI pipeline".</span></div>
<div class="field"><label for="expires">Expires on</label>
<input id="expires" type="date" required aria-describedby="expires-hint">
<span id="expires-hint" class="hint">The token stops working at the end of this day, in your time zone.</span></div>
<fieldset>
<legend>Scopes</legend>
<p id="scopes-hint" class="hint">Tick none for a token that acts with all of your scopes, now and later. Tick some to limit it to those.</p>
<div id="scope-list"></div>
</fieldset>
<button id="create" type="submit">Create token</button>
</form>
<div id="new-token-box" hidden>
<h3 id="new-token-title" tabindex="-1">Your new token</h3>
<p>Copy it now: it will not be shown again.</p>
<p><code id="new-token" aria-labelledby="new-token-title"></code></p>
<button id="copy" type="button">Copy to clipboard</button>
</div>
</section>

<section aria-labelledby="list-title">
<h2 id="list-title" tabindex="-1">Your tokens (<span id="count">0</span>)</h2>
<p id="empty">You have no personal tokens.</p>
<table id="token-table" hidden>
<caption class="visually-hidden">Your personal API tokens</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody id="tokens"></tbody>
</table>
</section>
</div>

<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
<h2 id="confirm-title">Delete this token?</h2>
<p id="confirm-text"></p>
<div class="actions">
<button id="confirm-cancel" type="button">Cancel</button>
<button id="confirm-delete" type="button" class="danger">Delete token</button>
</div>
</dialog>
</main>
</body>
</html>
`;
