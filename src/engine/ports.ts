import type { Target } from '../targets/target.js';

/** The slice of source/ the engine uses: resolve refs and check shas out into worktrees. */
export interface SourcePort {
  resolve(remoteUrl: string, ref: string): Promise<string>;
  checkout(remoteUrl: string, ref: string, sha: string, dir: string): Promise<void>;
  remove(dir: string): Promise<void>;
}

/** What the engine needs to know of a configured app. */
export interface AppRuntime {
  name: string;
  remoteUrl: string;
  target: Target;
  /** Extra environment variables for its commands (may hold secrets: never logged). */
  vars: Record<string, string>;
}
