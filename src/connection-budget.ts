import { readFileSync } from 'node:fs';
import { SlipwayError } from './errors.js';

/** How many files the process may have open at once, and where that was read. */
export interface OpenFileLimit {
  limit: number;
  source: string;
}

/** How the open-file limit is shared between the two listeners and everything else. */
export interface ConnectionBudget extends OpenFileLimit {
  /** Connections the webhook/API server holds at once. */
  server: number;
  /** Connections the router holds at once (0 when it does not run); each holds two files while proxied. */
  router: number;
  /** Files left for the store, git, child processes and slipway's own outgoing requests. */
  headroom: number;
}

const PROC_LIMITS = '/proc/self/limits';
/** The usual soft limit, assumed where it cannot be read. */
const ASSUMED_LIMIT = 1024;
/** An unlimited (or absurdly high) limit is counted as this much. */
const MOST_COUNTED = 1 << 20;
/** Shares of what is left after the headroom: the router's connections count twice (client and backend). */
const SERVER_SHARE = 0.4;
const ROUTER_SHARE = 0.3;

/** The soft "Max open files" of a /proc/<pid>/limits text; Infinity when unlimited; null when absent. */
export function parseOpenFileLimit(text: string): number | null {
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  if (soft === undefined) return null;
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** The process's open-file limit (Linux), else the usual default, said to be assumed. */
export function readOpenFileLimit(): OpenFileLimit {
  let text = '';
  try {
    text = readFileSync(PROC_LIMITS, 'utf8');
  } catch {
    // Not Linux: assumed below.
  }
  const limit = parseOpenFileLimit(text);
  return limit === null ? { limit: ASSUMED_LIMIT, source: 'assumed' } : { limit, source: PROC_LIMITS };
}

/**
 * Caps for both listeners that together leave headroom in the open-file limit (a tenth of it,
 * at least 256 or half), so a flood on one listener can neither starve the other nor the store,
 * git and child processes. The router's default is below the server's; a configured cap is
 * kept, and the other one gets what still fits. Caps that do not fit are refused.
 */
export function connectionBudget(
  open: OpenFileLimit,
  configured: { server?: number | undefined; router?: number | undefined; withRouter: boolean },
): ConnectionBudget {
  const limit = Math.min(open.limit, MOST_COUNTED);
  const headroom = Math.max(Math.floor(limit / 10), Math.min(256, Math.floor(limit / 2)));
  const budget = limit - headroom;
  const routerShare = configured.withRouter ? Math.floor(budget * ROUTER_SHARE) : 0;
  const routerWanted = configured.withRouter ? (configured.router ?? routerShare) : 0;
  const server = configured.server ?? Math.min(Math.floor(budget * SERVER_SHARE), budget - 2 * routerWanted);
  const router = configured.withRouter ? (configured.router ?? Math.min(routerShare, Math.floor((budget - server) / 2))) : 0;
  if (server < 1 || (configured.withRouter && router < 1) || server + 2 * router > budget) {
    const shown = (value: number, given: number | undefined) => (given === undefined ? `${Math.max(value, 0)}, derived` : String(value));
    throw new SlipwayError(
      'connection_limits',
      `server.maxConnections (${shown(server, configured.server)})` +
        (configured.withRouter ? ` and router.maxConnections (${shown(router, configured.router)}; 2 files each while proxied)` : '') +
        ` do not fit in ${open.limit} open files (${open.source}) with ${headroom} kept for the store, git and child processes:` +
        ` configure lower maxConnections, or raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit)`,
    );
  }
  return { ...open, server, router, headroom };
}
