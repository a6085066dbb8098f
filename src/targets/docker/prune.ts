import type Docker from 'dockerode';
import type { Logger } from '../../logger.js';

/** How long a dangling image is kept: build cache a build soon after may still use. */
const PRUNE_AFTER = '24h';

/**
 * Removes the images `slipway/<app>:<sha>` of `shas`; one still used by a container, or gone,
 * is left. The layers under an image are kept (`noprune`): with the legacy builder they are
 * the build cache the next sha's build starts from (its dependency layers); the scheduled
 * prune removes them once nothing has used them for a day.
 */
export async function releaseImages(docker: Docker, app: string, shas: string[], log: Logger): Promise<void> {
  for (const sha of shas) {
    const tag = `slipway/${app}:${sha.toLowerCase()}`;
    try {
      await docker.getImage(tag).remove({ noprune: true });
      log.info({ image: tag }, 'removed an image no environment keeps');
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) log.warn({ image: tag, error: (error as Error).message }, 'cannot remove an image no environment keeps');
    }
  }
}

/**
 * Prunes the engine's dangling images older than PRUNE_AFTER (images no tag names: layers
 * left by removed images, images built again for a sha) and its dangling build cache.
 */
export async function pruneImages(docker: Docker, log: Logger): Promise<void> {
  try {
    const images = await docker.pruneImages({ filters: { dangling: ['true'], until: [PRUNE_AFTER] } });
    const cache = await docker.pruneBuilder();
    log.info({ images: images.ImagesDeleted?.length ?? 0, reclaimed: (images.SpaceReclaimed ?? 0) + (cache.SpaceReclaimed ?? 0) }, 'pruned dangling images and build cache');
  } catch (error) {
    log.warn({ error: (error as Error).message }, 'cannot prune dangling images and build cache');
  }
}
