import * as z from 'zod';
import { EnvRecords } from '../env-records.js';

const running = z.object({
  /** The container the route points to. */
  container: z.string().regex(/^[a-f0-9]{12,64}$/),
  name: z.string(),
  sha: z.string(),
  deploymentId: z.number().int(),
  /** The port it is published on (127.0.0.1), as last seen. */
  port: z.number().int().min(1).max(65535),
  /** What it was made from (image recipe and environment): the same sha made differently is deployed again. */
  fingerprint: z.string(),
});

const envRecord = z.object({
  app: z.string(),
  env: z.string(),
  url: z.string(),
  current: running.nullable(),
  /** The shas that last deployed successfully, newest first: their images are kept. */
  kept: z.array(z.string()).max(2),
  /** Its container is stopped for idling (kept, to start again when a request wakes it). */
  asleep: z.boolean().default(false),
});

export type RunningRecord = z.infer<typeof running>;
export type DockerEnvRecord = z.infer<typeof envRecord>;

/** How many successful shas of an environment keep their image. */
export const KEPT_IMAGES = 2;

/** The docker target's records: which container serves each environment, and which images it keeps. */
export class DockerRecords extends EnvRecords<DockerEnvRecord> {
  constructor(dir: string) {
    super(dir, envRecord, 'the docker target');
  }
}
