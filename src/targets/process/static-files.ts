import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { within } from '../../paths.js';

/** Content types by extension; anything else is served as application/octet-stream. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
};

export function contentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The segments of a request path, decoded, or null when it is not one to serve: a bad
 * percent-encoding, a NUL, a `..` (written or encoded), or a hidden name (`.env`, `.git`)
 * other than `.well-known`.
 */
export function pathSegments(url: string): string[] | null {
  const raw = url.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/')) return null;
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (name.includes('\0') || name.includes('/')) return null;
    if (name === '' || name === '.') continue;
    if (name.startsWith('.') && name !== '.well-known') return null;
    segments.push(name);
  }
  return segments;
}

type Found = { kind: 'file'; path: string; size: number; mtime: Date } | { kind: 'folder' } | null;

/** The file `segments` names under `root` (real, resolved), its index.html for a folder; null when absent or outside. */
async function find(root: string, segments: string[], folderIndex: boolean): Promise<Found> {
  const real = await realpath(join(root, ...segments)).catch(() => null);
  if (real === null || !within(real, root)) return null;
  const info = await stat(real).catch(() => null);
  if (info === null) return null;
  if (info.isFile()) return { kind: 'file', path: real, size: info.size, mtime: info.mtime };
  if (!info.isDirectory()) return null;
  if (!folderIndex) return { kind: 'folder' };
  const index = await find(root, [...segments, 'index.html'], false);
  return index?.kind === 'file' ? index : null;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff', ...headers });
  res.end(text);
}

/**
 * Serves the files of `root` (a real path: see realpath): GET and HEAD only; a folder answers
 * with its index.html (a folder asked for without a trailing slash is redirected to it, so
 * its relative links work); nothing outside `root` is served, whether reached by `..` or by
 * a symbolic link; anything else is 404.
 */
export function staticHandler(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'Method not allowed\n', { allow: 'GET, HEAD' });
      const segments = pathSegments(req.url ?? '');
      if (segments === null) return answer(res, 404, 'Not found\n');
      const slash = (req.url ?? '').split(/[?#]/, 1)[0]?.endsWith('/') === true;
      const found = await find(root, segments, slash || segments.length === 0);
      if (found === null) return answer(res, 404, 'Not found\n');
      if (found.kind === 'folder') {
        const index = await find(root, segments, true);
        if (index === null) return answer(res, 404, 'Not found\n');
        // Built from the decoded segments, never from the request's text: `//host` cannot become a redirect elsewhere.
        return answer(res, 301, 'Moved\n', { location: `/${segments.map(encodeURIComponent).join('/')}/` });
      }
      const modified = found.mtime.toUTCString();
      const since = req.headers['if-modified-since'];
      const headers = { 'last-modified': modified, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
      if (since !== undefined && Date.parse(since) >= Math.floor(found.mtime.getTime() / 1000) * 1000) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': contentType(found.path), 'content-length': found.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(found.path)
        .on('error', () => res.destroy())
        .pipe(res);
    })().catch(() => {
      if (!res.headersSent) answer(res, 500, 'Internal error\n');
      else res.destroy();
    });
  };
}
