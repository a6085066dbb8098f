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

/** A port on 127.0.0.1 that nothing listens on now (the system picks it). */
export async function freePort(): Promise<number> {
  const port = await listenOn(0);
  if (port === null) throw new Error('no free port on 127.0.0.1');
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
