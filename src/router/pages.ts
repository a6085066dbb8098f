import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** A page the router answers with itself, when it has nowhere to send a request. */
export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Seconds a client should wait before asking an environment that is being deployed again. */
const RETRY_AFTER_S = 5;

/** No environment is served at `host` (it names nothing, or nothing deployed). Names no environment. */
export function notFoundPage(host: string): Page {
  return page(404, 'No environment at this address', [
    `slipway serves no environment at <code>${escapeHtml(host)}</code>.`,
    'Check the address; the environment may not be deployed yet, or it was destroyed.',
  ]);
}

/** A request the router cannot route (RFC 9112 §3.2: two Host headers, an unusable target). */
export function badRequestPage(reason: string): Page {
  return page(400, 'Bad request', [escapeHtml(reason), 'Send one Host header, and a path or an http URL as the request target.']);
}

/** The environment's first deployment is being built or started: 503 with Retry-After, and the page reloads itself. */
export function startingPage(): Page {
  const paragraphs = [
    "This environment's first deployment is being built and started.",
    `It answers here once it is healthy; this page reloads every ${RETRY_AFTER_S} seconds.`,
  ];
  return page(503, 'This environment is building', paragraphs, {
    headers: { 'retry-after': String(RETRY_AFTER_S) },
    head: `<meta http-equiv="refresh" content="${RETRY_AFTER_S}">`,
  });
}

/**
 * A sleeping environment is being woken, and a browser has waited a second: 503 with a page
 * that reloads itself every second, so the person sees something at once and then the app.
 */
export function wakingPage(): Page {
  return page(503, 'This environment is waking up', [
    'It slept after a while without requests, and your visit woke it.',
    'It answers here in a moment; this page reloads every second.',
  ], { headers: { 'retry-after': '1' }, head: '<meta http-equiv="refresh" content="1">' });
}

/** A sleeping environment could not be started again: 502, and where its output is. */
export function wakeFailedPage(where: PageEnvironment): Page {
  const { app, env } = where;
  return page(502, 'This environment could not wake up', [
    'It slept after a while without requests; starting it again failed.',
    `Its output: <code>slipway logs ${escapeHtml(app)} ${escapeHtml(env)}</code>. A new deployment starts it again.`,
  ]);
}

/** Where an environment is, for the commands its pages suggest. */
export interface PageEnvironment {
  app: string;
  env: string;
}

/**
 * Its first deployment failed, so nothing runs. 502, not 503: waiting does not help (a new
 * commit or a deploy does), so no Retry-After invites clients to come back; the gateway has
 * no working upstream, as when a release does not answer. The error is not shown (it may
 * quote the app's output, and this page is public): only where the log is.
 */
export function failedPage(where: PageEnvironment, deploymentId: number, deploymentUrl: string | null): Page {
  const { app, env } = where;
  const link = deploymentUrl === null ? '' : `, or on <a href="${escapeHtml(deploymentUrl)}">${escapeHtml(deploymentUrl)}</a> (with slipway's API token)`;
  return page(502, "This environment's deployment failed", [
    `The first deployment of this environment (deployment ${escapeHtml(String(deploymentId))}) failed, so nothing runs here yet.`,
    `Its log: <code>slipway logs ${escapeHtml(app)} ${escapeHtml(env)} --build</code>${link}.`,
    `A new commit, or <code>slipway deploy ${escapeHtml(app)} ${escapeHtml(env)}</code>, deploys it again.`,
  ]);
}

/** Its release keeps crashing and slipway stopped restarting it: 502, saying how it last ended. */
export function crashedPage(where: PageEnvironment, exit: { exitCode: number | null; signal: string | null; restarts: number }): Page {
  const { app, env } = where;
  const how = exit.signal !== null
    ? `was last killed by ${escapeHtml(exit.signal)}`
    : exit.exitCode !== null ? `last exited with code ${escapeHtml(String(exit.exitCode))}` : 'last ended (how is unknown)';
  return page(502, 'This environment keeps crashing', [
    `Its release ${how}; after ${escapeHtml(String(exit.restarts))} restarts slipway no longer starts it again.`,
    `Its output: <code>slipway logs ${escapeHtml(app)} ${escapeHtml(env)}</code>. A new deployment starts it again.`,
  ]);
}

export function badGatewayPage(): Page {
  return page(502, 'This environment is not answering', [
    "The environment's process did not answer; it may be restarting.",
    "Try again in a moment; if this persists, check the environment's deployment log in slipway.",
  ]);
}

export function sendPage(response: ServerResponse, { status, headers, body }: Page): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Answers an upgrade request on its raw socket, then closes it. */
export function writePage(socket: Duplex, { status, headers, body }: Page): void {
  const lines = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines}\r\n${body}`);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(status: number, title: string, paragraphs: string[], extra: { headers?: Record<string, string>; head?: string } = {}): Page {
  const body =
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">${extra.head ?? ''}<title>${title}</title>` +
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}</style>' +
    `</head><body><h1>${title}</h1>${paragraphs.map((text) => `<p>${text}</p>`).join('')}</body></html>\n`;
  const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...extra.headers };
  return { status, headers, body };
}
