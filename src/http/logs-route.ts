import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deploymentOutput, type LiveLogs } from '../engine/deployment-log.js';
import { InputError } from '../errors.js';
import type { EnvironmentStore } from '../store/store.js';
import type { Target } from '../targets/target.js';
import { findDeployment, findEnvironment, flag } from './environment-routes.js';

/** Lines of a release's output given unless `lines` says otherwise, and at most. */
export const LOG_LINES_DEFAULT = 100;
export const LOG_LINES_MAX = 10_000;

/** Where output comes from: each app's target (a release's output) and the deployments running here. */
export interface LogSources {
  target(app: string): Pick<Target, 'type' | 'logs'> | undefined;
  live: LiveLogs;
  /** Fires when slipway stops: followed output ends, so the listener can close. */
  stopping: AbortSignal;
}

/**
 * GET /api/environments/:app/:env/logs[?follow=1][&build=1][&deployment=ID][&lines=N] — output
 * as text, streamed (chunked) as it comes: by default the last `lines` lines its release wrote
 * (from its target), with `build` the newest deployment's log (with `deployment`, that one's).
 * `follow` goes on with new output until the release ends (replaced, stopped, destroyed), the
 * deployment ends, the client leaves or slipway stops. Errors before the first byte are JSON.
 */
export function logsRoute(store: EnvironmentStore, sources: LogSources) {
  return async (request: IncomingMessage, response: ServerResponse, url: URL, app: string, name: string): Promise<void> => {
    const params = url.searchParams;
    const follow = flag(params, 'follow');
    const chosen = params.get('deployment');
    const build = flag(params, 'build') || chosen !== null;
    const lines = linesOf(params.get('lines'));
    if (build && lines !== null) throw new InputError('invalid_query', 'lines applies to a release\'s output, not to a deployment\'s (build)');
    const env = await findEnvironment(store, app, name);
    const left = new AbortController();
    response.once('close', () => left.abort());
    const signal = AbortSignal.any([left.signal, sources.stopping]);
    let output: AsyncIterable<string>;
    if (build) {
      const deployment = chosen === null ? (await store.listDeployments(env.id, 1))[0] : await findDeployment(store, chosen);
      if (deployment === undefined) throw new InputError('not_found', `${app}/${name} has no deployments yet`, 404);
      const { id } = deployment;
      if (deployment.environmentId !== env.id) {
        throw new InputError('not_found', `deployment ${id} is not one of ${app}/${name}'s; "slipway history ${app} ${name}" lists them`, 404);
      }
      output = deploymentOutput(store, sources.live, id, { follow, signal });
    } else {
      const target = sources.target(app);
      if (target?.logs === undefined) {
        const type = target?.type ?? 'unknown';
        throw new InputError(
          'no_runtime_output',
          `the ${type} target of ${app} keeps no output of a running release; its deployments' output: slipway logs ${app} ${name} --build`,
        );
      }
      output = await target.logs(app, name, { lines: lines ?? LOG_LINES_DEFAULT, follow, signal });
    }
    await streamText(response, output, signal);
  };
}

function linesOf(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^(0|[1-9][0-9]{0,4})$/.test(raw) || Number(raw) > LOG_LINES_MAX) {
    throw new InputError('invalid_query', `lines must be a whole number from 0 to ${LOG_LINES_MAX}`);
  }
  return Number(raw);
}

/** Writes `output` as it comes, waiting for the client to take each part; ends when it ends or the client leaves. */
export async function streamText(response: ServerResponse, output: AsyncIterable<string>, signal: AbortSignal): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.flushHeaders();
  for await (const text of output) {
    if (signal.aborted) break;
    if (!response.write(text)) await writable(response);
  }
  response.end();
}

/** Resolves once the response takes more (drained) or is over (closed). */
async function writable(response: ServerResponse): Promise<void> {
  const done = new AbortController();
  const options = { signal: done.signal };
  await Promise.race([once(response, 'drain', options), once(response, 'close', options)]).catch(() => undefined);
  done.abort();
}
