import Docker from 'dockerode';
import { SlipwayError } from '../../errors.js';

/** The docker target's error codes, so the deployment's record says what kind of trouble it was. */
export const DOCKER_UNREACHABLE = 'target_docker_unreachable';

/**
 * A client of the Docker Engine at `host` (`unix:///var/run/docker.sock`, `tcp://host:2375`);
 * without one, DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) or the default
 * socket, as the docker CLI does. Nothing is asked of the engine yet.
 */
export function connectEngine(host: string | undefined): Docker {
  if (host === undefined) return new Docker();
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: 'http' });
}

/** Where the engine is, for messages: its socket or address (never credentials: none are configured here). */
export function describeEngine(host: string | undefined): string {
  return host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

interface EngineFailure {
  code?: string;
  statusCode?: number;
  json?: { message?: unknown } | null;
  reason?: string;
  message?: string;
}

/** The engine's own words for a failed request, when it answered (`No such image: …`). */
function engineMessage(failure: EngineFailure): string | null {
  const message = failure.json?.message;
  if (typeof message === 'string' && message !== '') return message.trim();
  // docker-modem's own wording around the engine's answer: `(HTTP code 500) server error - <answer>`.
  const wrapped = /^\(HTTP code \d+\) [^-]*- (.+)$/s.exec(failure.message ?? '');
  return wrapped?.[1]?.trim() || null;
}

/**
 * A readable error for a failed request to the engine: `doing` says what slipway was doing
 * (`building slipway/web:abc`); the rest says why, in words an operator can act on.
 */
export function engineError(error: unknown, doing: string, engine: string): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const failure = (error ?? {}) as EngineFailure;
  switch (failure.code) {
    case 'ENOENT':
      return new SlipwayError(DOCKER_UNREACHABLE, `${doing}: no Docker Engine at ${engine} (the socket does not exist; is dockerd running?)`);
    case 'EACCES':
    case 'EPERM':
      return new SlipwayError(DOCKER_UNREACHABLE, `${doing}: permission denied on the Docker Engine's socket ${engine} (run slipway as a user in the docker group, or set target.host)`);
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'ENOTFOUND':
      return new SlipwayError(DOCKER_UNREACHABLE, `${doing}: the Docker Engine at ${engine} does not answer (${failure.code})`);
  }
  const said = engineMessage(failure);
  const status = failure.statusCode;
  if (status === 404) return new SlipwayError('target_docker_not_found', `${doing}: ${said ?? 'not found'}`);
  if (said !== null && /no space left on device/i.test(said)) {
    return new SlipwayError('target_docker_disk_full', `${doing}: the Docker Engine is out of disk space (${said})`);
  }
  if (said !== null) return new SlipwayError('target_docker_engine', `${doing}: the Docker Engine said: ${said}`);
  const message = failure.message ?? String(error);
  return new SlipwayError('target_docker_engine', `${doing}: ${message}`);
}

/** Whether the error means the engine could not be reached at all (nothing can be concluded about what runs). */
export function unreachable(error: unknown): boolean {
  return error instanceof SlipwayError && error.code === DOCKER_UNREACHABLE;
}
