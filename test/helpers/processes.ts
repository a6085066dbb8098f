import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface FoundProcess {
  pid: number;
  /** `<pid>: <command line> (in <working folder>)`, for messages. */
  description: string;
}

/**
 * Live processes (other than this one) whose working folder or command line is inside `dir`
 * (Linux /proc). Zombies have neither, so they are not found.
 */
export function processesIn(dir: string): FoundProcess[] {
  const found: FoundProcess[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cwd.startsWith(dir) || args.includes(dir)) found.push({ pid: Number(pid), description: `${pid}: ${args} (in ${cwd})` });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
