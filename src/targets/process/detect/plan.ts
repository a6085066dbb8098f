import type { Health } from '../../health.js';
import type { ManifestCommand } from '../manifest.js';

/** A site slipway serves itself: the first of `folders` (relative, `.` the root) holding an index.html, once built. */
export interface StaticSite {
  folders: string[];
}

/**
 * How to build and start an app, from its `slipway.app.yaml` or detected from its files
 * (Procfile, package.json, requirements.txt, index.html, app.json).
 */
export interface Plan {
  /** Which rule gave it, for the deployment log: `a Node.js app (package.json, package-lock.json)`. */
  rule: string;
  /** What it was built by, for `slipway env`: `manifest slipway.app.yaml`, `Procfile web + package.json (npm ci)`. */
  builtBy: string;
  build: ManifestCommand | null;
  /** A Procfile's `release:`: run at every deployment, after the build and before the new release starts. */
  release: ManifestCommand | null;
  start: ManifestCommand | StaticSite;
  health: Health;
  env: Record<string, string>;
  /** app.json's `scripts.postdeploy`: once per environment, when its first release is healthy. */
  postdeploy: ManifestCommand | null;
  /** What detection passed over (other Procfile process types, app.json keys), for the log. */
  notes: string[];
}

/** A command of the repository, run with /bin/sh -c as a manifest's string commands are. */
export const shell = (text: string): ManifestCommand => ({ argv: ['/bin/sh', '-c', text], text });

export const isStatic = (start: Plan['start']): start is StaticSite => 'folders' in start;

/** Detected apps are healthy once they accept a connection on PORT, for up to a minute. */
export const DETECTED_HEALTH: Health = { path: null, timeoutMs: 60_000 };
