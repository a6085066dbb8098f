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

export function startingPage(): Page {
  const paragraphs = [
    'This environment is being deployed for the first time.',
    `It answers here once it is healthy; this page reloads every ${RETRY_AFTER_S} seconds.`,
  ];
  return page(503, 'This environment is being deployed', paragraphs, {
    headers: { 'retry-after': String(RETRY_AFTER_S) },
    head: `<meta http-equiv="refresh" content="${RETRY_AFTER_S}">`,
  });
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
