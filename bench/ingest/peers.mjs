// The servers under test. Each peer has:
//   prepare(ctx) -> null when it can run, or a reason it is skipped (may install it)
//   start(ctx)   -> { child, url, countRows? } once it answers on its port
// ctx: { secret, dir (a fresh temp folder for this peer), port, repoRoot }
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCommand, startServer, waitReady } from './procs.mjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const base = (port) => `http://127.0.0.1:${port}`;

const webhook = {
  name: 'webhook',
  label: 'adnanh/webhook (Go, /bin/true per hook)',
  async prepare() {
    if (existsSync('/usr/bin/webhook')) return null;
    if (process.getuid?.() !== 0) return 'not installed: run `sudo apt-get install -y webhook`';
    console.log('installing webhook: apt-get install -y webhook');
    if ((await runCommand('apt-get', ['install', '-y', '-q', 'webhook'])) !== 0) {
      await runCommand('apt-get', ['update', '-q']);
      await runCommand('apt-get', ['install', '-y', '-q', 'webhook']);
    }
    return existsSync('/usr/bin/webhook') ? null : 'apt-get install -y webhook failed';
  },
  async start({ secret, dir, port }) {
    const hooks = join(dir, 'hooks.json');
    writeFileSync(hooks, JSON.stringify([{
      id: 'github',
      'execute-command': '/bin/true',
      'command-working-directory': dir,
      'trigger-rule-mismatch-http-response-code': 401,
      'trigger-rule': {
        match: {
          type: 'payload-hmac-sha256',
          secret,
          parameter: { source: 'header', name: 'X-Hub-Signature-256' },
        },
      },
    }], null, 2));
    const child = startServer('/usr/bin/webhook', ['-hooks', hooks, '-ip', '127.0.0.1', '-port', String(port)]);
    await waitReady(child, `${base(port)}/`);
    return { child, url: `${base(port)}/hooks/github` };
  },
};

const PROBOT_DIR = join(tmpdir(), 'slipway-bench-probot');
let privateKey; // a real (throwaway) RSA key: Probot wants one, receiving never uses it

const probot = {
  name: 'probot',
  label: 'Probot built-in server (run(), empty handler)',
  async prepare() {
    if (existsSync(join(PROBOT_DIR, 'node_modules/probot/package.json'))) return null;
    mkdirSync(PROBOT_DIR, { recursive: true });
    const pkg = join(PROBOT_DIR, 'package.json');
    if (!existsSync(pkg)) writeFileSync(pkg, '{ "private": true }\n');
    console.log(`installing probot into ${PROBOT_DIR} (cached for later runs)`);
    const code = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'probot@14'], { cwd: PROBOT_DIR });
    return code === 0 ? null : `npm install probot failed in ${PROBOT_DIR}`;
  },
  async start({ secret, port }) {
    copyFileSync(here('./probot-app.mjs'), join(PROBOT_DIR, 'probot-app.mjs'));
    privateKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' });
    const child = startServer(process.execPath, ['probot-app.mjs'], {
      cwd: PROBOT_DIR,
      env: {
        APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: secret,
        HOST: '127.0.0.1', PORT: String(port),
        LOG_LEVEL: 'warn', LOG_FORMAT: 'json', NODE_ENV: 'production',
      },
    });
    await waitReady(child, `${base(port)}/ping`);
    return { child, url: `${base(port)}/api/github/webhooks` };
  },
};

const plain = {
  name: 'plain',
  label: 'plain node:http + SQLite group commit (ceiling)',
  async prepare() {
    return null;
  },
  async start({ secret, dir, port }) {
    const db = join(dir, 'plain.db');
    const child = startServer(process.execPath, [here('./plain-receiver.mjs'), '--port', String(port), '--db', db], {
      env: { SLIPWAY_WEBHOOK_SECRET: secret },
    });
    await waitReady(child, `${base(port)}/readyz`);
    return { child, url: `${base(port)}/webhooks/github`, countRows: () => countRows(db) };
  },
};

const slipway = {
  name: 'slipway',
  label: 'slipway serve',
  async prepare({ repoRoot }) {
    if (existsSync(join(repoRoot, 'dist/cli/main.js'))) return null;
    return 'dist/cli/main.js not found; build it with `npm run build` (no figures for slipway)';
  },
  async start({ secret, dir, port, repoRoot }) {
    const dataDir = join(dir, 'data');
    const config = join(dir, 'slipway.yaml');
    writeFileSync(config, `store:\n  dataDir: ${JSON.stringify(dataDir)}\nlog:\n  level: warn\n`);
    const child = startServer(process.execPath,
      [join(repoRoot, 'dist/cli/main.js'), 'serve', '--config', config, '--port', String(port)],
      { cwd: dir, env: { SLIPWAY_WEBHOOK_SECRET: secret } });
    await waitReady(child, `${base(port)}/readyz`);
    return {
      child,
      url: `${base(port)}/webhooks/github`,
      countRows: () => countRows(join(dataDir, 'slipway.db')),
    };
  },
};

/** Rows in `deliveries`, read after the server has stopped. */
function countRows(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) AS n FROM deliveries').get().n;
  } finally {
    db.close();
  }
}

export const PEERS = [webhook, probot, plain, slipway];
