// The baseline: the sample app started by hand. A checkout of the commit the preview runs,
// `node server.js` with PORT set, polled directly until it answers 200 with its page.
import { git } from '../latency/origin.mjs';
import { freePort, startServer, stopServer } from '../ingest/procs.mjs';
import { dependencyStepCached, engineTime } from './docker.mjs';
import { nowMs, waitForVersion } from './slipway.mjs';

/** Checks `sha` of the repository at `repoDir` out into `dir` (a detached worktree). */
export async function checkout(repoDir, sha, dir) {
  await git(repoDir, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
}

/** Removes a checkout made by `checkout`. */
export async function removeCheckout(repoDir, dir) {
  await git(repoDir, ['worktree', 'remove', '--force', dir]);
}

/**
 * Spawns `node server.js` in `dir` (the `node` on PATH, as the manifest's `start` finds it)
 * and polls it every `everyMs` until its page shows `version`. Resolves with the ms from the
 * spawn call to that answer (`ms`), and from the child's 'spawn' event to it (`spawnToPage`,
 * as the preview's split measures from its record). The app is stopped (SIGTERM, SIGKILL after 5 s) before this resolves or rejects.
 */
export async function coldStart(dir, version, everyMs) {
  const port = await freePort();
  const t0 = nowMs();
  // The environment the process target gives an app (PATH, HOME and LANG of its own, and PORT),
  // not this script's: NODE_EXTRA_CA_CERTS, say, would add tens of ms to node's start.
  const env = Object.fromEntries(['PATH', 'HOME', 'LANG'].filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
  const child = startServer('node', ['server.js'], { cwd: dir, env: { ...env, PORT: String(port) }, inheritEnv: false });
  let spawnedAt = null;
  child.once('spawn', () => { spawnedAt = nowMs(); });
  const gone = new AbortController();
  try {
    const t1 = await Promise.race([
      waitForVersion(port, `127.0.0.1:${port}`, version, { everyMs, what: `the bare app in ${dir}`, signal: gone.signal }),
      child.exited.then(({ code, signal }) => {
        throw new Error(`the bare app exited (${code ?? signal}) before it answered:\n${child.output}`);
      }),
    ]);
    return { ms: t1 - t0, spawnToPage: spawnedAt === null ? null : t1 - spawnedAt };
  } finally {
    gone.abort();
    await stopServer(child);
  }
}

/**
 * The docker baseline, as by hand through the Engine API with the builder slipway uses:
 * `docker build -t <tag>` of the checkout `dir` (its .dockerignore applied, the build cache as
 * the run left it), then `docker run -d -e PORT=<port> -p 127.0.0.1::<port>` (no limits, no
 * init), polled every `everyMs` until its page shows `version`. Resolves with the ms from the
 * build call to that answer (`ms`), to the image being built (`toImage`), and from the
 * container's start to the page (`startToPage`). Container and image are removed before this
 * resolves or rejects; `signal` stops the build or the wait.
 */
export async function dockerColdStart(docker, dir, version, { everyMs, port, tag, labels, signal }) {
  const { packContext } = await import(new URL('../../dist/targets/docker/context.js', import.meta.url).href);
  const t0 = nowMs();
  let container = null;
  try {
    const context = await packContext(dir, '.', 'Dockerfile');
    const stream = await docker.buildImage(context.tar, { t: tag, dockerfile: context.dockerfile, rm: true, forcerm: true, abortSignal: signal });
    const output = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error, events) => {
      const failed = error?.message ?? events.find((event) => event.error !== undefined)?.error;
      if (failed === undefined) resolve(events.map((event) => event.stream ?? '').join(''));
      else reject(new Error(`docker build of the bare app failed: ${failed}`));
    }));
    const built = nowMs();
    container = await docker.createContainer({
      Image: tag, Env: [`PORT=${port}`], Labels: labels, ExposedPorts: { [`${port}/tcp`]: {} },
      HostConfig: { PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await container.start();
    const info = await container.inspect();
    const startedAt = engineTime(info.State.StartedAt);
    const hostPort = Number(info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort);
    const t1 = await waitForVersion(hostPort, `127.0.0.1:${hostPort}`, version, { everyMs, what: `the bare app's container ${tag}`, signal });
    return { ms: t1 - t0, toImage: built - t0, toStart: startedAt - t0, startToPage: t1 - startedAt, depsCached: dependencyStepCached(output) };
  } finally {
    await container?.remove({ force: true, v: true }).catch(() => {});
    await docker.getImage(tag).remove().catch(() => {});
  }
}
