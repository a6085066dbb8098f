/**
 * Where an environment's traffic goes, as the router's route table holds it and the store
 * shares it between replicas: an address its release answers at; nowhere yet (its first
 * deployment is under way); nowhere because that first deployment failed; nowhere any more
 * because its release keeps crashing; or nowhere while it sleeps (a request wakes it).
 */
import * as z from 'zod';

/** A first deployment that failed. Its error is not given: it may quote the app's output, and the page is public. */
export interface FailedDeploy {
  deploymentId: number;
}

/** How a release that keeps crashing last ended. */
export interface CrashLoop {
  exitCode: number | null;
  signal: string | null;
  restarts: number;
}

export type Route =
  | { kind: 'ready'; host: string; port: number }
  | { kind: 'starting' }
  | { kind: 'sleeping' }
  | ({ kind: 'failed' } & FailedDeploy)
  | ({ kind: 'crashed' } & CrashLoop);

/** An environment's route as the store keeps it. */
export interface StoredRoute {
  app: string;
  env: string;
  route: Route;
}

const routeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  z.object({ kind: z.literal('starting') }),
  z.object({ kind: z.literal('sleeping') }),
  z.object({ kind: z.literal('failed'), deploymentId: z.number().int() }),
  z.object({ kind: z.literal('crashed'), exitCode: z.number().int().nullable(), signal: z.string().nullable(), restarts: z.number().int().min(0) }),
]);

/** A route from its stored JSON text; null when the text is not one (a row written by hand, or by a newer slipway). */
export function parseRoute(text: string): Route | null {
  try {
    const parsed = routeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
