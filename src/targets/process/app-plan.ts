import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectApp, type DetectOptions } from './detect/index.js';
import { detectError, RepoFiles } from './detect/files.js';
import { isStatic, type Plan } from './detect/plan.js';
import { DEFAULT_MANIFEST, readManifest, type ManifestCommand } from './manifest.js';

/** The static file server slipway runs for a static site (static-server.ts, compiled next to this file). */
export const STATIC_SERVER = fileURLToPath(new URL('./static-server.js', import.meta.url));

const quote = (command: ManifestCommand | null) => (command === null ? 'none' : JSON.stringify(command.text));
const folder = (name: string) => (name === '.' ? './' : `${name}/`);

/** How the plan was detected, for the deployment log. */
export function describePlan(plan: Plan): string {
  const start = isStatic(plan.start)
    ? `the static files of ${plan.start.folders.length === 1 ? folder(plan.start.folders[0] ?? '.') : `the first of ${plan.start.folders.map(folder).join(', ')} holding an index.html`}, served by slipway`
    : quote(plan.start);
  const release = plan.release === null ? '' : `, release ${quote(plan.release)}`;
  const postdeploy = plan.postdeploy === null ? '' : `, postdeploy ${quote(plan.postdeploy)} (once per environment)`;
  return `slipway: no ${DEFAULT_MANIFEST}; detected ${plan.rule}: build ${quote(plan.build)}${release}, start ${start}${postdeploy}\n${plan.notes.map((note) => `slipway: ${note}\n`).join('')}`;
}

/**
 * The app's plan: from the manifest the config names, else from slipway.app.yaml when the
 * repository has one (it wins over detection), else detected from the repository's files
 * (said in the deployment log).
 */
export async function appPlan(workdir: string, manifest: string | null, options: DetectOptions & { log: (text: string) => void }): Promise<Plan> {
  const name = manifest ?? DEFAULT_MANIFEST;
  const present = manifest !== null || (await lstat(join(workdir, DEFAULT_MANIFEST)).then(() => true, () => false));
  if (present) {
    const read = await readManifest(workdir, name);
    return { rule: name, builtBy: `manifest ${name}`, ...read, release: null, postdeploy: null, notes: [] };
  }
  const plan = await detectApp(workdir, options);
  options.log(describePlan(plan));
  return plan;
}

/** The command that starts a release: the plan's, or for a static site the static server on the first output folder that has an index.html. */
export async function startCommand(workdir: string, plan: Plan): Promise<ManifestCommand> {
  if (!isStatic(plan.start)) return plan.start;
  const files = new RepoFiles(workdir);
  for (const name of plan.start.folders) {
    if (await files.isFile(join(name, 'index.html'))) {
      return { argv: [process.execPath, STATIC_SERVER, join(workdir, name)], text: `slipway's static file server for ${folder(name)}` };
    }
  }
  throw detectError(
    `no static site to serve: none of ${plan.start.folders.map(folder).join(', ')} holds an index.html after the build, and package.json has no start script; add one (or a Procfile web: line), or make the build write dist/index.html`,
  );
}
