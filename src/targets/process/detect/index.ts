import { readAppJson } from './app-json.js';
import { detectError, RepoFiles } from './files.js';
import { checkEngines, lockfiles, packageManager, readPackageJson, requireManager, runScript } from './node.js';
import { DETECTED_HEALTH, shell, type Plan, type StaticSite } from './plan.js';
import { parseProcfile, type ProcfileEntry } from './procfile.js';
import { pythonBuild } from './python.js';

export interface DetectOptions {
  /** The PATH builds and the app run with: package managers and python3 are looked for there. */
  path: string | undefined;
  /** The Node.js version slipway runs (and so the apps it starts): `process.version`. */
  nodeVersion: string;
  /** The app's variables from slipway's config (app.json's required variables may come from there). */
  vars: Record<string, string>;
  /** A pull request's environment: app.json's `environments.review` applies. */
  review: boolean;
}

/** What detection looks for at the repository root, in this order. */
export const LOOKED_FOR = ['Procfile', 'package.json', 'requirements.txt', 'pyproject.toml', 'index.html'] as const;

/** Where a build's static site may be, after the build. */
export const OUTPUT_FOLDERS = ['dist', 'build', 'public', '.'];

const SMALLEST_MANIFEST = 'start: node server.js   # any command that serves HTTP on $PORT';

interface Found {
  rule: string;
  files: string[];
  /** What builds it, for `slipway env`: `package.json (npm ci)`; null: nothing but the Procfile. */
  builtBy: string | null;
  build: string | null;
  start: string | StaticSite;
  env?: Record<string, string>;
}

function procfileNeeded(what: string): Error {
  return detectError(
    `${what} needs a Procfile whose web: line starts it listening on $PORT, such as "web: gunicorn app:app --bind 127.0.0.1:$PORT"; or describe it in a slipway.app.yaml`,
  );
}

async function nodeApp(files: RepoFiles, web: ProcfileEntry | null, options: DetectOptions): Promise<Found> {
  const pkg = readPackageJson((await files.read('package.json')) ?? '');
  checkEngines(pkg.node, options.nodeVersion);
  const install = packageManager(await lockfiles(files));
  await requireManager(install.manager, options.path);
  const build = pkg.scripts.build === undefined ? install.command : `${install.command} && ${runScript(install.manager, 'build')}`;
  let start: string | StaticSite;
  if (web !== null) start = web.command;
  else if (pkg.scripts.start !== undefined) start = `${install.manager} start`;
  // npm's own default start script; the other package managers have none.
  else if (await files.isFile('server.js')) start = install.manager === 'npm' ? 'npm start' : 'node server.js';
  else start = { folders: OUTPUT_FOLDERS };
  const steps = pkg.scripts.build === undefined ? install.command : `${install.command}, ${runScript(install.manager, 'build')}`;
  const builtBy = `package.json (${steps}${typeof start === 'string' ? '' : '; static site'})`;
  return { rule: 'a Node.js app', files: ['package.json', ...install.lockfiles], builtBy, build, start };
}

/**
 * How to build and start the app in `workdir`, which has no slipway.app.yaml: from its
 * Procfile, package.json, requirements.txt or pyproject.toml, or index.html, with app.json's
 * variables and postdeploy script. Nothing to go on is an error naming what was looked for.
 */
export async function detectApp(workdir: string, options: DetectOptions): Promise<Plan> {
  const files = new RepoFiles(workdir);
  const procfileText = await files.read('Procfile');
  const procfile = procfileText === null ? [] : parseProcfile(procfileText);
  const web = procfile.find((entry) => entry.name === 'web') ?? null;
  const release = procfile.find((entry) => entry.name === 'release') ?? null;
  const notes: string[] = [];
  const others = procfile.filter((entry) => entry.name !== 'web' && entry.name !== 'release').map((entry) => `${entry.name}:`);
  if (others.length > 0) notes.push(`Procfile ${others.join(', ')} not run: slipway runs web: (and release: at each deployment) only`);

  const [node, requirements, pyproject, index] = await Promise.all(
    ['package.json', 'requirements.txt', 'pyproject.toml', 'index.html'].map((name) => files.isFile(name)),
  );
  const python = requirements === true || pyproject === true;
  const pythonFile = requirements === true ? 'requirements.txt' : 'pyproject.toml';
  let found: Found;
  if (node === true && python) {
    throw detectError(`the repository has both package.json and ${pythonFile}; slipway does not guess which builds the app: describe it in a slipway.app.yaml`);
  } else if (node === true) {
    found = await nodeApp(files, web, options);
  } else if (python) {
    if (web === null) throw procfileNeeded(`a Python app (${pythonFile})`);
    const built = await pythonBuild(workdir, requirements === true, options.path);
    found = { rule: 'a Python app', files: [pythonFile], builtBy: `${pythonFile} (virtualenv)`, build: built.build, start: web.command, env: built.env };
  } else if (web !== null) {
    found = { rule: 'a Procfile app', files: [], builtBy: null, build: null, start: web.command };
  } else if (index === true) {
    found = { rule: 'a static site', files: ['index.html'], builtBy: 'index.html (static site)', build: null, start: { folders: ['.'] } };
  } else if (procfile.length > 0) {
    throw detectError(`the Procfile has no web: line (it has ${procfile.map((entry) => `${entry.name}:`).join(', ')}); slipway starts the web: process, which must listen on $PORT`);
  } else {
    throw detectError(
      `no slipway.app.yaml, and nothing slipway knows how to run: it looked for ${LOOKED_FOR.join(', ')} at the repository root and found none. ` +
        `Add a slipway.app.yaml to the repository; the smallest is one line:\n  ${SMALLEST_MANIFEST}`,
    );
  }
  if (web !== null) found.files.push('Procfile');

  const appJsonText = await files.read('app.json');
  const appJson = appJsonText === null ? null : readAppJson(appJsonText, options.vars, options.review);
  if (appJson !== null) {
    found.files.push('app.json');
    notes.push(...appJson.notes);
  }
  const steps = [web, release].flatMap((entry) => (entry === null ? [] : [entry.name])).join(', ');
  const builtBy = [steps === '' ? null : `Procfile ${steps}`, found.builtBy, appJson === null ? null : 'app.json'].filter((part) => part !== null);
  return {
    rule: `${found.rule} (${found.files.join(', ')})`,
    builtBy: builtBy.join(' + '),
    build: found.build === null ? null : shell(found.build),
    release: release === null ? null : shell(release.command),
    start: typeof found.start === 'string' ? shell(found.start) : found.start,
    health: typeof found.start === 'string' ? DETECTED_HEALTH : { ...DETECTED_HEALTH, path: '/' },
    env: { ...found.env, ...appJson?.env },
    postdeploy: appJson?.postdeploy === undefined || appJson.postdeploy === null ? null : shell(appJson.postdeploy),
    notes,
  };
}
