import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Sends `signal` to every process in group `pgid`; a group already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Whether a live (not zombie) process remains in group `pgid`. Zombies count as gone:
 * where PID 1 does not reap orphans (some containers), a killed group's children stay
 * zombies forever, and `kill(-pgid, 0)` alone would still find them.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code !== 'EPERM') throw error;
  }
  return process.platform !== 'linux' || liveMembers(pgid).length > 0;
}

/** The live (not zombie) processes of group `pgid`, from /proc (Linux only). */
export function liveMembers(pgid: number): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [pgid];
  }
  return pids
    .filter((pid) => {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        return false; // exited while we looked
      }
      // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X';
    })
    .map(Number);
}

/** A process's start time (/proc stat field 22), to tell it from a later process given the same pid. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether group `pgid`, whose leader started at `started` (see `startTime`), still has a
 * live process. A live leader must be the one recorded; with the leader gone, the group id
 * cannot have been reused while members of the group remain.
 */
export function recordedGroupAlive(pgid: number, started: string | null): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || !groupAlive(pgid)) return false;
  const leader = startTime(pgid);
  return leader === null || started === null || leader === started;
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Stops a whole process group: SIGTERM, then SIGKILL for what is left after `graceMs`.
 * Resolves once no live process of the group remains (or, if one survives SIGKILL, such as
 * a process stuck in the kernel, after a further bounded wait).
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGone(pgid, 2000);
}
