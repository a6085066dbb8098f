import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../config/load.js';
import { DEMO_APP, DEMO_TARGETS, demoConfigYaml } from '../demo/config.js';
import { prepareDemoDir, type DemoDir } from '../demo/demo-dir.js';
import { checkDockerDemo, demoEngine, removeDemoContainers } from '../demo/docker.js';
import { pageTitle } from '../demo/page.js';
import { webhookSender } from '../demo/send-webhook.js';
import { demoSteps } from '../demo/steps.js';
import { playStory, type StoryWorld } from '../demo/story.js';
import { SlipwayError } from '../errors.js';
import { API_TOKEN_FILE } from '../http/access.js';
import { createLogger } from '../logger.js';
import { startService } from '../service.js';
import { LocalRepo } from '../source/local-repo.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { serverApiToken } from './api-token.js';
import { prettyLogs } from './run-server.js';
import { print, printError } from './output.js';

/** A step may take this long: the target checks the commit out, builds and starts it, and waits for health. */
const STEP_TIMEOUT_MS = 90_000;

export interface RunDemoOptions {
  dir: string;
  port: number;
  routerPort: number;
  /** With docker: each environment a container, its image built FROM `baseImage`; else a local process. */
  docker: { baseImage: string } | null;
}

/** `slipway demo`: sets the folder up, runs slipway in this process, plays the story, runs until a signal. */
export async function runDemo(options: RunDemoOptions): Promise<number> {
  const docker = options.docker === null ? null : { ...options.docker, engine: demoEngine() };
  // Checked before anything is made: an engine that cannot run the story stops the demo with nothing to undo.
  if (docker !== null) await checkDockerDemo(docker.engine, docker.baseImage, (line) => print(line));
  const where = await prepareDemoDir(options.dir);
  const repo = await LocalRepo.init(where.repo);
  const secret = randomBytes(32).toString('hex');
  const target = DEMO_TARGETS[docker === null ? 'process' : 'docker'];
  const yaml = demoConfigYaml({ repoUrl: repo.url, webhookSecret: secret, routerPort: options.routerPort, target });
  await writeFile(where.config, yaml, { mode: 0o600 });
  const config = parseConfig(yaml, where.config, {}, where.root);
  const log = createLogger({ level: config.log.level, pretty: prettyLogs() });
  // The CLI commands printed below find the token through the demo's config, as they would with serve's.
  const apiToken = serverApiToken(config, process.env, log);
  const store = await SqliteStore.open(config.store.dataDir);
  const service = await startService({ config, store, log, secrets: [secret], apiToken, port: options.port, host: '127.0.0.1' }).catch(
    async (error: unknown) => {
      await store.close();
      if ((error as { code?: string }).code === 'router_listen_failed') {
        throw new SlipwayError('port_in_use', `the router's port ${options.routerPort} is in use; pass --router-port with a free port (0 picks one)`);
      }
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      throw new SlipwayError('port_in_use', `port ${options.port} is in use; pass --port with a free port (0 picks one)`);
    },
  );
  const stop = new AbortController();
  const stopped = untilSignal(stop);
  const world: StoryWorld = {
    deliver: webhookSender(`${service.url}/webhooks/github`, secret),
    environment: (app, name) => store.getEnvironment(app, name),
    readPage: (url) => pageTitle(url),
    print: (line) => print(line),
  };
  print(`slipway runs at ${service.url}, deploying the app "${DEMO_APP}" from the git repository in ${where.repo}.`);
  if (docker !== null) print(`Each environment is a container on the Docker Engine at ${docker.engine.where}, its image built from the repository's Dockerfile (FROM ${docker.baseImage}).`);
  if (service.routerUrl !== null) print(`Its router at ${service.routerUrl} serves each environment at http://<env>.${DEMO_APP}.localhost:${new URL(service.routerUrl).port}/.`);
  print(`Watch it on the dashboard at ${service.url}/ (sign in with ${tokenShown(where)}).`);
  print('Each step changes that repository and sends slipway the webhook GitHub would send.', '');
  let code = 0;
  try {
    const steps = demoSteps(repo, docker === null ? {} : { dockerBase: docker.baseImage });
    await playStory(steps, world, { stepTimeoutMs: STEP_TIMEOUT_MS, signal: stop.signal });
    print('', `The story is over: staging and production run, and the preview of pull request #1 came and went.`);
    printWhere(where, service.url, docker !== null);
  } catch (error) {
    if (!stop.signal.aborted) {
      code = 1;
      printError(`demo: ${error instanceof Error ? error.message : String(error)}\nslipway keeps running at ${service.url} so you can look (add --url ${service.url} --config ${where.config}); Ctrl-C stops it.`);
    }
  }
  await stopped;
  print('stopping slipway');
  await service.close();
  await store.close();
  if (docker !== null) {
    // slipway leaves its containers running for its next start to adopt; the demo's go with it.
    const removed = await removeDemoContainers(where.data, docker.engine);
    print(`removed the demo's ${removed} container${removed === 1 ? '' : 's'}; the images slipway built (slipway/${DEMO_APP}:<sha>) are kept`);
  }
  return code;
}

function printWhere(where: DemoDir, url: string, containers: boolean): void {
  const to = `--url ${url} --config ${where.config}`;
  const token = process.env.SLIPWAY_API_TOKEN ? '$SLIPWAY_API_TOKEN' : `$(cat ${join(where.data, API_TOKEN_FILE)})`;
  const looks: [string, string][] = [
    [`${url}/`, `the dashboard in a browser (sign in with ${tokenShown(where)})`],
    [`slipway envs ${to}`, 'the environments'],
    [`slipway env ${DEMO_APP} staging ${to}`, 'one of them, with its deployments'],
    [`slipway deliveries ${to}`, 'the webhooks slipway received'],
    [`curl -H "Authorization: Bearer ${token}" ${url}/api/environments`, 'the environments as JSON'],
  ];
  const width = Math.max(...looks.map(([look]) => look.length));
  print(`slipway keeps running at ${url}; from another terminal:`, ...looks.map(([look, what]) => `  ${look.padEnd(width)}  ${what}`));
  print(`The demo's folder is ${where.root}: the repository (repo/), slipway.yaml and slipway's data (data/).`);
  print(containers ? `Ctrl-C stops slipway and removes the demo's containers.` : 'Ctrl-C stops slipway.');
}

/** Where a person finds the API token: it is never printed itself. */
function tokenShown(where: DemoDir): string {
  return process.env.SLIPWAY_API_TOKEN ? 'the API token in $SLIPWAY_API_TOKEN' : `the API token in ${join(where.data, API_TOKEN_FILE)}`;
}

/** Resolves at the first SIGINT or SIGTERM, after aborting `stop`; a second one exits at once. */
function untilSignal(stop: AbortController): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        printError(`${signal} again: exiting now`);
        process.exit(1);
      }
      stop.abort();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
