import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { liveMembers } from '../command/process-group.js';

function listenOn(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** The lowest port handed to releases; they get ports below the system's ephemeral range. */
const LOWEST_APP_PORT = 20000;
/** How long a port handed out stays reserved for the release that has not listened on it yet. */
const RESERVED_MS = 120_000;
const handedOut = new Map<number, number>();

/** The system's ephemeral port range: what listen(0) and outgoing connections take ports from. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low as number, high as number];
  } catch {
    // not Linux: IANA's dynamic range
  }
  return [49152, 65535];
}

/**
 * A port on 127.0.0.1 that nothing listens on now, for a release to listen on. It comes from
 * below the system's ephemeral range when there is room there, so that another program's
 * listen(0) or outgoing connection does not take it before the release listens; a port this
 * process handed out in the last two minutes is not handed out again.
 */
export async function freePort(): Promise<number> {
  const now = Date.now();
  for (const [port, at] of handedOut) if (now - at > RESERVED_MS) handedOut.delete(port);
  const [ephemeralLow] = ephemeralRange();
  const span = ephemeralLow - LOWEST_APP_PORT;
  for (let tries = 0; span > 0 && tries < 50; tries += 1) {
    const port = LOWEST_APP_PORT + Math.floor(Math.random() * span);
    if (!handedOut.has(port) && (await listenOn(port)) === port) {
      handedOut.set(port, now);
      return port;
    }
  }
  const port = await listenOn(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
  handedOut.set(port, now);
  return port;
}

/** Whether `port` on 127.0.0.1 can be listened on now. */
export async function portFree(port: number): Promise<boolean> {
  return (await listenOn(port)) === port;
}

/** Inodes of the sockets listening on TCP `port` (any address), from /proc/net; null off Linux. */
function listeningSockets(port: number): Set<string> | null {
  if (process.platform !== 'linux') return null;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"; st 0A is LISTEN.
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1]?.split(':')[1];
      if (fields[3] === '0A' && local !== undefined && parseInt(local, 16) === port && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Whether a process of group `pgid` holds the socket listening on `port` on this host: a
 * release whose port another process took first must not be taken for healthy because that
 * process answers. Null when this cannot be known (not Linux).
 */
export function groupListensOn(port: number, pgid: number): boolean | null {
  const sockets = listeningSockets(port);
  if (sockets === null) return null;
  if (sockets.size === 0) return false;
  for (const pid of liveMembers(pgid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // exited while we looked
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode !== undefined && sockets.has(inode)) return true;
      } catch {
        // closed while we looked
      }
    }
  }
  return false;
}
