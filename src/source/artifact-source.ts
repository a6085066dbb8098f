import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactPort, ArtifactRequest } from '../engine/ports.js';
import type { GitHubApi } from '../github/api.js';
import { downloadRunArtifact } from '../github/artifacts.js';
import { unpackZip, type UnpackLimits } from './artifacts.js';

export interface ArtifactSourceOptions {
  api: GitHubApi;
  limits: UnpackLimits;
  /** Where zips are kept while they are unpacked; each is removed afterwards. */
  tempDir: string;
}

/** Workflow run artifacts for the engine: download the zip from GitHub, unpack it safely. */
export class ArtifactSource implements ArtifactPort {
  constructor(private readonly options: ArtifactSourceOptions) {}

  async fetch({ repo, runId, name, dir, signal }: ArtifactRequest): Promise<void> {
    const { api, limits, tempDir } = this.options;
    await mkdir(tempDir, { recursive: true, mode: 0o700 });
    const zip = join(tempDir, `artifact-${randomUUID()}.zip`);
    try {
      // A zip is never larger than what it holds by much, so the unpacked limit bounds it too.
      await downloadRunArtifact(api, { repo, runId, name, destFile: zip, maxBytes: limits.maxBytes, signal });
      await unpackZip(zip, dir, limits);
    } finally {
      await rm(zip, { force: true });
    }
  }
}
