import { isRecord } from '../../../config/fields.js';
import { detectError, findOnPath, type RepoFiles } from './files.js';
import { parseRange, parseVersion, satisfies } from './semver.js';

export const MANAGERS = ['npm', 'pnpm', 'yarn'] as const;
export type Manager = (typeof MANAGERS)[number];

/** Lockfiles in the order they are looked for, and the package manager each belongs to. */
export const LOCKFILES: readonly (readonly [string, Manager])[] = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
];

export interface Install {
  manager: Manager;
  /** The lockfiles found (none: `npm install`). */
  lockfiles: string[];
  /** The command that installs the dependencies as the lockfile pins them. */
  command: string;
}

/**
 * How to install from the lockfiles present (name → their first lines): `npm ci`, `pnpm
 * install --frozen-lockfile`, `yarn install --frozen-lockfile` for yarn 1 (its lockfile says
 * `# yarn lockfile v1`) or `yarn install --immutable` for later yarns, `npm install` with
 * none. Lockfiles of two package managers are refused: which one is meant is not guessed.
 */
export function packageManager(present: Record<string, string>): Install {
  const found = LOCKFILES.filter(([name]) => Object.hasOwn(present, name));
  const managers = [...new Set(found.map(([, manager]) => manager))];
  const lockfiles = found.map(([name]) => name);
  if (managers.length > 1) {
    throw detectError(`package.json comes with lockfiles of ${managers.join(' and ')} (${lockfiles.join(', ')}); remove all but the one you install with`);
  }
  const manager = managers[0];
  if (manager === undefined) return { manager: 'npm', lockfiles, command: 'npm install' };
  if (manager === 'npm') return { manager, lockfiles, command: 'npm ci' };
  if (manager === 'pnpm') return { manager, lockfiles, command: 'pnpm install --frozen-lockfile' };
  const classic = /^# yarn lockfile v1$/m.test(present['yarn.lock'] ?? '');
  return { manager, lockfiles, command: classic ? 'yarn install --frozen-lockfile' : 'yarn install --immutable' };
}

export interface PackageJson {
  scripts: Record<string, string>;
  /** `engines.node`, when given. */
  node: string | null;
}


export function readPackageJson(text: string): PackageJson {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw detectError(`package.json is not valid JSON (${(error as Error).message}); fix it, or describe the app in a slipway.app.yaml`);
  }
  if (!isRecord(data)) throw detectError('package.json must hold a JSON object');
  const scripts = isRecord(data.scripts)
    ? Object.fromEntries(Object.entries(data.scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
    : {};
  const engines = isRecord(data.engines) ? data.engines.node : undefined;
  if (engines !== undefined && typeof engines !== 'string') throw detectError('package.json engines.node must be a version range such as ">=20"');
  return { scripts, node: engines ?? null };
}

/** Refuses a Node.js that `engines.node` rules out, and a range slipway cannot read. */
export function checkEngines(range: string | null, running: string): void {
  if (range === null) return;
  const parsed = parseRange(range);
  if (parsed === null) {
    throw detectError(
      `package.json engines.node ${JSON.stringify(range)} is not a version range slipway understands (such as ">=18", "^20.1", "18.x", "20 || 22", ">=18 <23"); write it in one of these forms`,
    );
  }
  const version = parseVersion(running);
  if (version === null || !satisfies(version, parsed)) {
    throw detectError(`package.json engines.node asks for ${JSON.stringify(range)}, but this machine runs Node.js ${running}; install a Node.js that satisfies it, or change the range`);
  }
}

/** The package manager's program, which must be on PATH. */
export async function requireManager(manager: Manager, path: string | undefined): Promise<void> {
  if ((await findOnPath(manager, path)) !== null) return;
  const how = manager === 'npm' ? 'it comes with Node.js' : `install it (corepack enable ${manager}, or npm install -g ${manager})`;
  throw detectError(`the app installs with ${manager}, but ${manager} is not on slipway's PATH; ${how}, or describe the build in a slipway.app.yaml`);
}

export const runScript = (manager: Manager, script: string): string => `${manager} run ${script}`;

/** The lockfiles of the worktree with their first lines (enough to tell yarn 1 from later yarns). */
export async function lockfiles(files: RepoFiles): Promise<Record<string, string>> {
  const present: Record<string, string> = {};
  for (const [name] of LOCKFILES) {
    const head = await files.read(name, true);
    if (head !== null) present[name] = head;
  }
  return present;
}
