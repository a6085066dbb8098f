/** The environment a request's Host header names. */
export interface HostTarget {
  app: string;
  env: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Lowercase, without one trailing dot: the form hosts and the router domain are compared in. */
export function normalizeDomain(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Reads `<env>.<app>.<domain>` from a Host header: case-insensitive, a `:port` and one trailing
 * dot allowed. Anything else (another domain, one or three labels before it, an IP address, a
 * label that is not a DNS label) is undefined.
 */
export function parseHost(host: string | undefined, domain: string): HostTarget | undefined {
  if (host === undefined) return undefined;
  const name = normalizeDomain(host.replace(/:\d*$/, ''));
  const suffix = `.${domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length !== 2 || !labels.every((label) => LABEL.test(label))) return undefined;
  const [env, app] = labels as [string, string];
  return { app, env };
}
