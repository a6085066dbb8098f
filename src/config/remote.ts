/** Where an app's code is fetched from: the forms `git clone` takes that slipway accepts. */

export const REMOTE_HINT =
  'expected a git remote: https://host/owner/name.git, ssh://git@host/owner/name.git, git@host:owner/name.git, file:///path or an absolute path';

export const CREDENTIALS_IN_URL =
  'must not carry credentials; remove them from the URL and set github.token (it is sent without ever being part of a URL)';

/** The remote used when an app names none. */
export function defaultRemote(repo: string): string {
  return `https://github.com/${repo}.git`;
}

const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$/;
// Whitespace and control characters: never part of a remote we can pass on safely.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\s\u0000-\u001f\u007f]/;

/**
 * Why `text` is not an acceptable remote, or null when it is. A host or path starting
 * with "-" is refused: git could read it as an option.
 */
export function remoteProblem(text: string): string | null {
  if (UNSAFE.test(text)) return REMOTE_HINT;
  if (text.startsWith('/')) return text.startsWith('//') ? REMOTE_HINT : null;
  const scp = SCP_LIKE.exec(text);
  if (scp && !text.includes('://')) {
    const [, , host = '', path = ''] = scp;
    return host.startsWith('-') || host.startsWith('.') || path.startsWith('-') ? REMOTE_HINT : null;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REMOTE_HINT;
  }
  switch (url.protocol) {
    case 'https:':
    case 'http:':
      if (url.username !== '' || url.password !== '') return CREDENTIALS_IN_URL;
      return hostProblem(url) ?? (url.pathname.length > 1 ? null : REMOTE_HINT);
    case 'ssh:':
      if (url.password !== '') return CREDENTIALS_IN_URL;
      return hostProblem(url) ?? (url.pathname.length > 1 ? null : REMOTE_HINT);
    case 'file:':
      return (url.hostname === '' || url.hostname === 'localhost') && url.pathname.length > 1 ? null : REMOTE_HINT;
    default:
      return REMOTE_HINT;
  }
}

function hostProblem(url: URL): string | null {
  return url.hostname === '' || url.hostname.startsWith('-') ? REMOTE_HINT : null;
}
