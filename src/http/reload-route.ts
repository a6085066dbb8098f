import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReloadOutcome } from '../config/changes.js';
import { ConfigError } from '../config/errors.js';
import { onlyFields, readJsonObject } from './json-body.js';
import { sendJson } from './respond.js';

/**
 * POST /api/reload — reads the config file again and puts it in force; answers what changed,
 * what redeploys and what needs a restart. A bad config is refused with 422 and every problem
 * (file, line, key path), and nothing changes.
 */
export function reloadRoute(reload: () => Promise<ReloadOutcome>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readJsonObject(request);
    if (body !== undefined) onlyFields(body, []);
    try {
      sendJson(response, 200, await reload());
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      sendJson(response, 422, { error: { code: error.code, message: error.message, problems: error.problems } });
    }
  };
}
