import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { SlipwayError } from '../errors.js';

/** The user the apps' commands run as, when not slipway's own. */
export interface RunAs {
  uid: number;
  gid: number;
  /** As configured (`nobody`, `1500:1500`), for messages. */
  label: string;
}

/** The user commands run as when slipway runs as root and `target.user` is not set. */
export const DEFAULT_USER = 'nobody';

const IDS = /^(\d+)(?::(\d+))?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

/** `id -u name` / `id -g name`: the system's user database (files, LDAP…) answers. */
function lookup(name: string, flag: '-u' | '-g'): number {
  try {
    return Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    throw new SlipwayError('target_user_unknown', `target.user: no user named ${JSON.stringify(name)} on this system; create it or name another`);
  }
}

function parse(user: string): { uid: number; gid: number } {
  const ids = IDS.exec(user);
  if (ids !== null) return { uid: Number(ids[1]), gid: Number(ids[2] ?? ids[1]) };
  if (!NAME.test(user)) {
    throw new SlipwayError('target_user_invalid', 'target.user: expected a user name or uid[:gid], such as nobody or 1500:1500');
  }
  return { uid: lookup(user, '-u'), gid: lookup(user, '-g') };
}

/**
 * Whom the apps' commands run as, from `target.user`: run as root, slipway hands them to
 * that user (default `nobody`), never to root unless asked by name; run as another user,
 * slipway cannot switch users, so `target.user` may only name that same user. Null: as
 * slipway's own user.
 */
export function resolveRunAs(user: string | undefined, uid = process.getuid?.() ?? -1): RunAs | null {
  if (uid !== 0) {
    if (user === undefined || parse(user).uid === uid) return null;
    throw new SlipwayError(
      'target_user_not_root',
      `target.user is ${user}, but slipway runs as ${userInfo().username} (uid ${uid}) and cannot switch users: remove target.user (commands then run as ${userInfo().username}), or run slipway as root`,
    );
  }
  const label = user ?? DEFAULT_USER;
  const ids = parse(label);
  return ids.uid === 0 ? null : { ...ids, label };
}
