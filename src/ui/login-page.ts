import { html, type Html } from './html.js';

/** The login form: the API token, once; the session cookie does the rest. */
export function loginPage(next: string, problem: string | null): Html {
  return html`<section class="login"><h1>Sign in to slipway</h1>
${problem === null ? '' : html`<p class="problem" role="alert">${problem}</p>`}
<form method="post" action="/login">
<input type="hidden" name="next" value="${next}">
<label for="token">API token<input id="token" name="token" type="password" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>
<p class="muted">The token is <code>server.apiToken</code> (or <code>$SLIPWAY_API_TOKEN</code>), else the <code>api-token</code> file slipway wrote in its data folder.</p></section>`;
}
