import type { Environment } from '../domain/environments.js';
import { html, type Html } from './html.js';
import { actionForm, type Viewer } from './layout.js';
import { environmentPath } from './links.js';

/** How much longer a preview may be kept from the page; the API takes any duration up to 30 days. */
export const EXTENSIONS = ['1h', '1d', '7d'] as const;

/**
 * What may be done to the environment, each a form of its own posting to
 * `/environments/:app/:env/<action>`; for a viewer who cannot act, how to be able to. Only a
 * configured app's environments can be acted on (the API refuses the others').
 */
export function environmentForms(env: Environment, viewer: Viewer, rollbackTo: readonly string[], configured: boolean): Html {
  const path = environmentPath(env.app, env.name);
  if (!configured) return html`<p class="muted">The app ${env.app} is no longer configured: its environments can be looked at, not acted on.</p>`;
  if (!viewer.canAct || viewer.csrf === null) {
    return html`<p class="muted">Sign in to act: <a href="/login?next=${encodeURIComponent(path)}">sign in</a> to deploy, roll back, extend or destroy this environment.</p>`;
  }
  const forms: Html[] = [
    actionForm(viewer, `${path}/deploy`, 'Deploy', html`<label for="deploy-target">Ref or commit to deploy<input id="deploy-target" name="target" required maxlength="1024" autocomplete="off" placeholder="main, refs/tags/v1.2.0 or a full sha"></label>`),
  ];
  if (env.present && env.desiredRef !== null) {
    const what = html`<span>Follow <code>${env.desiredRef}</code> again<br><span class="muted">ends a pin or rollback, lifts a quarantine</span></span>`;
    forms.push(actionForm(viewer, `${path}/follow`, 'Follow again', what));
  }
  if (env.present) {
    const options = rollbackTo.map((sha) => html`<option value="${sha}">${sha.slice(0, 12)}</option>`);
    const last = rollbackTo[0] === undefined ? '' : html` (${rollbackTo[0].slice(0, 12)})`;
    forms.push(actionForm(viewer, `${path}/rollback`, 'Roll back', html`<label for="rollback-to">Roll back to<select id="rollback-to" name="to"><option value="">the last good commit${last}</option>${options}</select></label>`));
  }
  if (env.present && !env.keep && (env.ttlMs !== null || env.expiresAt !== null)) {
    const options = EXTENSIONS.map((by) => html`<option value="${by}">${by}</option>`);
    forms.push(actionForm(viewer, `${path}/extend`, 'Extend', html`<label for="extend-by">Keep it longer by<select id="extend-by" name="by">${options}</select></label>`));
  }
  if (env.present) {
    forms.push(actionForm(viewer, `${path}/destroy`, 'Destroy', html`<span>Destroy ${env.app}/${env.name}<br><span class="muted">its release stops and its resources go</span></span>`, true));
  }
  return html`<section aria-labelledby="actions"><h2 id="actions">Actions</h2><div class="actions">${forms}</div></section>`;
}
