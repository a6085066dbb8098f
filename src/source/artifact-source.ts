import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactPort, ArtifactRequest } from '../engine/ports.js';
import { downloadRunArtifact } from '../github/artifacts.js';
import type { GitHubClients } from '../github/client.js';
import { unpackZip, type UnpackLimits } from './artifacts.js';

export interface ArtifactSourceOptions {
  github: GitHubClients;
  limits: UnpackLimits;
  /** Where zips are kept while they are unpacked; each is removed afterwards. */
  tempDir: string;
}

/** Workflow run artifacts for the engine: download the zip from GitHub, unpack it safely. */
export class ArtifactSource implements ArtifactPort {
  constructor(private readonly options: ArtifactSourceOptions) {}

  async fetch({ repo, runId, name, dir, signal }: ArtifactRequest): Promise<void> {
    const { github, limits, tempDir } = this.options;
    const client = await github.forRepo(repo);
    await mkdir(tempDir, { recursive: true, mode: 0o700 });
    const zip = join(tempDir, `artifact-${randomUUID()}.zip`);
    try {
      // A zip is never larger than what it holds by much, so the unpacked limit bounds it too.
      await downloadRunArtifact(client, { repo, runId, name, destFile: zip, maxBytes: limits.maxBytes, signal });
      await unpackZip(zip, dir, limits);
    } finally {
      await rm(zip, { force: true });
    }
  }
}
