/**
 * The demo's sample app: a Node server with no dependencies whose page says which environment
 * and commit it serves, the manifest slipway's process target runs it from and, for the docker
 * target, the Dockerfile its image is built from.
 */

/** The page that says the app is up: the process target's manifest and the docker target's config both check it. */
export const SAMPLE_HEALTH_PATH = '/healthz';

/** What one commit of the sample app bakes in: shown on its page. */
export interface SampleRelease {
  version: string;
  message: string;
}

const SERVER_JS = String.raw`'use strict';
// slipway demo app: one page that says which environment and commit it serves.
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const release = JSON.parse(readFileSync(join(__dirname, 'version.json'), 'utf8'));
const app = process.env.SLIPWAY_APP || 'web';
const env = process.env.SLIPWAY_ENV || 'local';
const sha = (process.env.SLIPWAY_SHA || 'no commit').slice(0, 7);

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const page = [
  '<!doctype html>',
  '<html lang="en">',
  '<head><meta charset="utf-8"><title>' + escape(app + ' · ' + env + ' · v' + release.version + ' · ' + sha) + '</title></head>',
  '<body>',
  '<h1>' + escape(release.message) + '</h1>',
  '<p>Served by <b>' + escape(env) + '</b>: version ' + escape(release.version) + ' at commit <code>' + escape(sha) + '</code>.</p>',
  '</body>',
  '</html>',
  '',
].join('\n');

const server = http.createServer((req, res) => {
  const path = new URL(req.url || '/', 'http://localhost').pathname;
  if (path === '${SAMPLE_HEALTH_PATH}') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  } else if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
});

// Only this machine reaches it as a local process; its image sets HOST=0.0.0.0, so the port published from the container reaches it.
const host = process.env.HOST || '127.0.0.1';
server.listen(Number(process.env.PORT || 3000), host, () => {
  console.log('serving ' + env + ' on http://' + host + ':' + server.address().port + '/');
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

const MANIFEST = `# How slipway's process target runs this app: the command that starts it (with PORT,
# SLIPWAY_ENV, SLIPWAY_SHA… in its environment) and the page that says it is healthy.
start: node server.js
health: { path: ${SAMPLE_HEALTH_PATH}, timeout: 30s }
`;

/**
 * The app's own package.json: Node reads the nearest one to tell CommonJS from ES modules, and
 * without it a worktree inside an ESM project (slipway's own checkout) would run server.js as ESM.
 */
const PACKAGE_JSON = `${JSON.stringify({ name: 'slipway-demo-web', private: true, type: 'commonjs' }, null, 2)}\n`;

/** How the app's image is made: its files on `base` (an image with `node` on PATH), started as the manifest starts it. */
function dockerfile(base: string): string {
  return `# How slipway's docker target builds this app's image (slipway.app.yaml is the process target's).
FROM ${base}
WORKDIR /app
COPY . .
# Inside a container the app must listen on every interface for the published port to reach it.
ENV HOST=0.0.0.0
CMD ["node", "server.js"]
`;
}

/** What the image leaves out: the worktree's link to git. */
const DOCKERIGNORE = '.git\n';

export interface SampleAppOptions {
  /** With a base image, the commit also holds a `Dockerfile` (FROM it) and a `.dockerignore`. */
  dockerBase?: string;
}

/** The files of one commit of the sample app (path → content). */
export function sampleAppFiles(release: SampleRelease, options: SampleAppOptions = {}): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': PACKAGE_JSON,
    'server.js': SERVER_JS,
    'slipway.app.yaml': MANIFEST,
    'version.json': `${JSON.stringify(release, null, 2)}\n`,
  };
  if (options.dockerBase !== undefined) {
    files.Dockerfile = dockerfile(options.dockerBase);
    files['.dockerignore'] = DOCKERIGNORE;
  }
  return files;
}
