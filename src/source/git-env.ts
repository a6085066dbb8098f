import { isHttps, redactUrl } from './refs.js';

/** Credentials for private repositories: `github.token`, sent only to https remotes. */
export interface GitAuth {
  token?: string;
}

/**
 * The parent's GIT_* variables git may keep: how to reach remotes (ssh, TLS, proxy). Every
 * other one is dropped, so an inherited GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_*
 * or GIT_TRACE* can neither redirect git to another repository nor print headers.
 */
const PASS_THROUGH = new Set([
  'GIT_EXEC_PATH',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSH_VARIANT',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_PROXY_COMMAND',
]);

/** Config every git command gets: no hooks run in mirrors or worktrees. */
const FIXED_CONFIG: readonly (readonly [string, string])[] = [['core.hooksPath', '/dev/null']];

/**
 * Config that authenticates `remoteUrl`: with a token and an https remote, an
 * `http.<scheme://host/>.extraheader` of `Authorization: Basic base64("x-access-token:" + token)`,
 * scoped to that host. Nothing for other remotes (file://, ssh, paths) or without a token.
 */
export function authConfig(remoteUrl: string, auth: GitAuth | undefined): [string, string][] {
  const token = auth?.token;
  if (token === undefined || token === '' || !isHttps(remoteUrl)) return [];
  let origin: string;
  try {
    const url = new URL(remoteUrl);
    origin = `${url.protocol}//${url.host}/`;
  } catch {
    return [];
  }
  return [[`http.${origin}.extraheader`, `Authorization: Basic ${basic(token)}`]];
}

function basic(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
}

/**
 * The environment of one git command: the parent's, minus GIT_* variables git could be
 * misdirected by, with prompts off, messages in English (we read them), and `config` passed
 * as GIT_CONFIG_COUNT/KEY_n/VALUE_n so values (a token header) never reach the argv.
 */
export function gitEnv(base: NodeJS.ProcessEnv, config: readonly (readonly [string, string])[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || name === 'SSH_ASKPASS') continue;
    if (name.startsWith('GIT_') && !PASS_THROUGH.has(name)) continue;
    env[name] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  env.SSH_ASKPASS_REQUIRE = 'never';
  env.LC_ALL = 'C';
  const all = [...FIXED_CONFIG, ...config];
  env.GIT_CONFIG_COUNT = String(all.length);
  all.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/** Every form of the token that could show up in git's output. */
export function secretsOf(auth: GitAuth | undefined): string[] {
  const token = auth?.token;
  if (token === undefined || token === '') return [];
  const forms = [token, basic(token), Buffer.from(token, 'utf8').toString('base64'), encodeURIComponent(token)];
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with every secret and any URL user info (`https://user:pass@`) replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) clean = clean.split(secret).join('[redacted]');
  return redactUrl(clean);
}
