// The docker target's side of the preview bench: the Docker Engine, the app as an image with a
// dependency layer of its own, where a deployment's time went, and removing what the run made.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP } from './slipway.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const load = (path) => import(join(root, path));
/** The tests' base-image helper (test/fixtures/docker-base.ts), compiled by `npx tsc -p tsconfig.json`. */
const BASE_HELPER = 'build/test/fixtures/docker-base.js';

export const PORT = 8080;
/** The app's `target:`: the port the sample app gets as PORT, a short stopGrace, its health page. */
export const TARGET = `{ type: docker, port: ${PORT}, stopGrace: 2s, health: { path: /healthz, timeout: 30s } }`;

/** MB the dependency step writes: what an uncached `npm ci` would cost the build, roughly. */
const DEPENDENCY_MB = 40;
const DEPENDENCY_FILES = 400;

/**
 * Stands in for `npm ci` (nothing can be downloaded here): each dependency in package.json is
 * installed by writing DEPENDENCY_MB of files under node_modules/<name>/. It runs in its own
 * layer, after package.json alone was copied, so a commit that changes only the app's files
 * finds it in the build cache.
 */
const INSTALL = `'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { dependencies = {} } = require('./package.json');
for (const [name, version] of Object.entries(dependencies)) {
  const dir = 'node_modules/' + name;
  mkdirSync(dir + '/lib', { recursive: true });
  for (let i = 0; i < ${DEPENDENCY_FILES}; i++) {
    writeFileSync(dir + '/lib/part-' + i + '.js', '// ' + randomBytes(${(DEPENDENCY_MB * 1024 * 1024) / DEPENDENCY_FILES / 2}).toString('hex') + '\\n');
  }
  writeFileSync(dir + '/package.json', JSON.stringify({ name, version, main: 'index.js' }) + '\\n');
  writeFileSync(dir + '/index.js', 'module.exports = ' + JSON.stringify({ name, version }) + ';\\n');
  console.log('installed ' + name + '@' + version);
}
`;

/**
 * The engine slipway's docker target uses here (DOCKER_HOST, or the default socket):
 * `{ docker, where, version }`, or `{ docker: null, where, reason }` when none answers.
 */
export async function findEngine() {
  const { connectEngine, describeEngine } = await load('dist/targets/docker/engine.js');
  const where = describeEngine(undefined);
  const docker = connectEngine(undefined);
  try {
    let timer;
    const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000); });
    await Promise.race([docker.ping(), late]).finally(() => clearTimeout(timer));
    return { docker, where, version: (await docker.version()).Version };
  } catch (error) {
    return { docker: null, where, reason: `no Docker Engine answers at ${where} (${error.code ?? error.message})` };
  }
}

/** Why the base image cannot be made, or null: the tests' helper must have been compiled. */
export function baseHelperMissing() {
  return existsSync(join(root, BASE_HELPER)) ? null : `${BASE_HELPER} not found: compile the tests first (npx tsc -p tsconfig.json)`;
}

/** The tests' base image (this machine's node and /bin/sh, `docker import`ed once per node binary): its name. */
export async function baseImage(docker) {
  const { baseImage: make } = await load(BASE_HELPER);
  return make(docker);
}

/**
 * The sample app as a repository the docker target builds: `appFiles(release)` are the files
 * a commit changes (the sample app, listening on 0.0.0.0 so the published port reaches it, and
 * a package.json that names one dependency), `extraFiles` are committed once on main (the
 * Dockerfile, the dependency installer, .dockerignore).
 */
export async function dockerApp(base) {
  const { sampleAppFiles } = await load('dist/demo/sample-app.js');
  const sample = sampleAppFiles({ version: '0', message: '' });
  const loopback = "'127.0.0.1', () =>";
  if (!sample['server.js'].includes(loopback)) throw new Error(`the sample app (src/demo/sample-app.ts) no longer listens with ${loopback}; update bench/preview/docker.mjs`);
  const server = sample['server.js'].replace(loopback, "'0.0.0.0', () =>");
  const manifest = `${JSON.stringify({ ...JSON.parse(sample['package.json']), dependencies: { 'bench-dep': '1.0.0' } }, null, 2)}\n`;
  return {
    appFiles: (release) => ({ ...sampleAppFiles(release), 'server.js': server, 'package.json': manifest }),
    extraFiles: {
      Dockerfile: `FROM ${base}\nWORKDIR /app\nCOPY package.json install-deps.cjs ./\nRUN node install-deps.cjs\nCOPY . .\nCMD ["node", "server.js"]\n`,
      'install-deps.cjs': INSTALL,
      '.dockerignore': '.git\n',
    },
  };
}

/** The docker target's id on the engine (the label on every container it makes), from slipway's data folder. */
export function instanceOf(dataDir) {
  return readFileSync(join(dataDir, 'targets', 'docker', 'instance-id'), 'utf8').trim();
}

/** An engine timestamp (RFC 3339 with up to ns) as epoch ms with its fraction. */
export function engineTime(text) {
  const match = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text ?? '');
  if (match === null) return null;
  return Date.parse(`${match[1]}${match[3]}`) + Number(`0.${match[2] ?? '0'}`) * 1000;
}

/**
 * Where one deployment's time went, from the engine: when the image of `sha` was made (its
 * `Created`) and when the container serving it started (`State.StartedAt`), against the 202
 * (`ackAt`) and the page (`t1`).
 */
export async function dockerSplit(docker, instance, env, sha, ackAt, t1) {
  const label = [`dev.slipway.instance=${instance}`, `dev.slipway.env=${env}`, `dev.slipway.sha=${sha}`];
  const [container] = await docker.listContainers({ all: true, filters: { label } });
  const started = container === undefined ? null : engineTime((await docker.getContainer(container.Id).inspect()).State.StartedAt);
  const image = await docker.getImage(`slipway/${APP}:${sha}`).inspect().catch(() => null);
  const built = image === null ? null : engineTime(image.Created);
  return {
    toImage: built === null ? null : built - ackAt,
    toStart: started === null ? null : started - ackAt,
    startToPage: started === null ? null : t1 - started,
  };
}

/**
 * Whether the last deployment of `env` found the dependency step in the build cache, from its
 * log (the legacy builder's ` ---> Using cache` after the step); null when there is no log.
 */
export async function dependencyCached(store, env) {
  const environment = await store.getEnvironment(APP, env);
  const [last] = environment === null ? [] : await store.listDeployments(environment.id, 1);
  const detail = last === undefined ? null : await store.getDeployment(last.id);
  return detail === null ? null : dependencyStepCached(detail.log);
}

/** Whether a legacy build's output shows the dependency step taken from the cache; null when it has no such step. */
export function dependencyStepCached(output) {
  if (!output.includes('RUN node install-deps.cjs')) return null;
  return /RUN node install-deps\.cjs\s*\n\s*---> Using cache/.test(output);
}

/**
 * Removes what one run made on the engine: every container labelled with the instance id of
 * its slipway (`instance`, null when slipway never started), the images `slipway/<app>:<sha>`
 * of the shas it committed (other users of the engine may have images of that app: only
 * these shas, which carry the run's id in their commit message, are this run's), and the bare
 * baseline's containers and images (labelled and named with the run's id). Resolves with
 * counts; what cannot be removed is reported, not thrown.
 */
export async function removeMade(docker, { instance, shas, bareLabel, bareRepo }) {
  const done = { containers: 0, images: 0, failed: [] };
  const filters = [instance === null ? null : `dev.slipway.instance=${instance}`, bareLabel].filter((label) => label !== null);
  for (const label of filters) {
    for (const container of await docker.listContainers({ all: true, filters: { label: [label] } })) {
      await docker.getContainer(container.Id).remove({ force: true, v: true })
        .then(() => done.containers++, (error) => done.failed.push(`container ${container.Names[0]}: ${error.message}`));
    }
  }
  const tags = [...shas].map((sha) => `slipway/${APP}:${sha}`);
  for (const image of await docker.listImages({ filters: { reference: [bareRepo] } })) tags.push(...(image.RepoTags ?? []));
  for (const tag of tags) {
    await docker.getImage(tag).remove()
      .then(() => done.images++, (error) => {
        if (error.statusCode !== 404) done.failed.push(`image ${tag}: ${error.message}`);
      });
  }
  return done;
}
