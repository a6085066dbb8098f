import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { staticHandler } from './static-files.js';

// The process slipway runs for a static site (an index.html, or a build's dist/, build/ or
// public/ folder): `node static-server.js <folder>` serves the folder on 127.0.0.1:$PORT, and is
// supervised, health-checked, routed and switched like any app's start command.

async function main(): Promise<void> {
  const folder = process.argv[2];
  const port = Number(process.env.PORT);
  if (folder === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    console.error('usage: PORT=<port> node static-server.js <folder>');
    process.exit(2);
  }
  const root = await realpath(folder);
  if (!(await stat(root)).isDirectory()) throw new Error(`${folder} is not a folder`);
  const server = createServer(staticHandler(root));
  server.listen(port, '127.0.0.1', () => console.log(`slipway: serving the static files of ${folder} on port ${port}`));
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  console.error(`slipway: cannot serve the static files: ${(error as Error).message}`);
  process.exit(1);
});
