import { html, type Content, type Html } from './html.js';

/** Who is looking: a signed-in browser (whose forms carry `csrf`), or a reader of public pages. */
export interface Viewer {
  /** The session's CSRF token; null when not signed in (public pages, or the API token as a bearer). */
  csrf: string | null;
  /** May act (deploy, roll back, replay…): a session, or the API token. */
  canAct: boolean;
}

/** A one-time message after an action. */
export interface Flash {
  kind: 'notice' | 'problem';
  text: string;
}

export type Section = 'board' | 'deliveries' | 'overview';

export interface PageParts {
  title: string;
  section: Section | null;
  viewer: Viewer;
  flash?: Flash | null;
  body: Content;
}

const SECTIONS: [Section, string, string][] = [
  ['board', '/', 'Environments'],
  ['deliveries', '/deliveries', 'Deliveries'],
  ['overview', '/overview', 'Overview'],
];

/** A whole dashboard page: navigation, the one-time message, the body. */
export function layout(parts: PageParts): Html {
  const { viewer } = parts;
  const nav = SECTIONS.map(([section, href, label]) =>
    html`<a href="${href}"${parts.section === section ? html` aria-current="page"` : ''}>${label}</a>`);
  const account = viewer.csrf !== null
    ? html`<form method="post" action="/logout">${csrfField(viewer)}<button type="submit">Sign out</button></form>`
    : viewer.canAct ? '' : html`<a href="/login">Sign in</a>`;
  const flash = parts.flash ? html`<p class="${parts.flash.kind}" role="${parts.flash.kind === 'problem' ? 'alert' : 'status'}">${parts.flash.text}</p>` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${parts.title} · slipway</title>
<link rel="stylesheet" href="/ui/app.css"><script src="/ui/app.js" defer></script></head>
<body><header class="top"><a class="brand" href="/">slipway</a><nav aria-label="Sections">${nav}</nav>${account}</header>
<main>${flash}${parts.body}</main></body></html>
`;
}

/** The hidden field every action form carries. */
export function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrf ?? ''}">`;
}

/** An action as a form of its own: a POST to `action` with the CSRF field, `fields` and a button. */
export function actionForm(viewer: Viewer, action: string, label: string, fields: Content = '', danger = false): Html {
  return html`<form method="post" action="${action}">${csrfField(viewer)}${fields}<button type="submit"${danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

/** A time as UTC text in a <time> element. */
export function timeText(ms: number | null): Html {
  if (ms === null) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}

/** A span of time as "4 s", "3 min", "2 h", "5 d". */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
