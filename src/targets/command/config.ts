/**
 * The `command` target's config, as the config schema produces it from
 * `target: { type: command, deploy: [./deploy.sh], destroy: [./destroy.sh], timeout: 10m, url: … }`.
 */
export interface CommandTargetConfig {
  type: 'command';
  /** argv, run without a shell; the first element is a path in the worktree or a name on PATH. */
  deploy: readonly string[];
  /** argv for teardown; without it, destroy only forgets the environment. */
  destroy?: readonly string[];
  /** Each run is stopped (its whole process group) after this many milliseconds. */
  timeoutMs: number;
  /** Environment URL template: `https://{env}.{app}.example.com` (see url.ts). */
  url?: string;
  /** Whom the commands run as when slipway runs as root (see run-as.ts). */
  user?: string | undefined;
}
