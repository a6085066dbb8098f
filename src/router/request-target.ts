import type { IncomingMessage } from 'node:http';

/** `scheme://authority` then the rest of an absolute-form request target (RFC 9112 §3.2.2). */
const ABSOLUTE_FORM = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is;

/**
 * The authority a request asks for, or why it cannot be routed. An absolute-form target
 * (`GET http://pr-1.web.localhost:8081/x`) names it and Host is ignored (RFC 9112 §3.2.2); the
 * request is then rewritten in place as a proxy forwards it: origin form (`/x`) with a Host
 * made from the target. Two Host field lines are refused (RFC 9112 §3.2), counted in
 * rawHeaders since node keeps only the first.
 */
export function requestAuthority(request: IncomingMessage): { host: string } | { refused: string } {
  const hostLines = request.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === 'host').length;
  if (hostLines > 1) return { refused: 'The request has more than one Host header.' };
  const url = request.url ?? '/';
  if (url.startsWith('/') || url === '*') return { host: request.headers.host ?? '' };
  const [, scheme = '', authority = '', rest = ''] = ABSOLUTE_FORM.exec(url) ?? [];
  if (!/^https?$/i.test(scheme) || !validAuthority(authority)) {
    return { refused: 'The request target is neither a path nor an http URL with a host.' };
  }
  request.url = rest.startsWith('/') ? rest : `/${rest}`;
  request.headers.host = authority;
  return { host: authority };
}

/** A host with an optional port, no user information (RFC 9110 §4.2.4). */
function validAuthority(authority: string): boolean {
  if (authority === '' || authority.includes('@')) return false;
  try {
    return new URL(`http://${authority}/`).hostname !== '';
  } catch {
    return false;
  }
}
