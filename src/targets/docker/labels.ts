/** The labels slipway puts on what it makes on a Docker Engine, and finds it again by. */
export const LABELS = {
  managed: 'dev.slipway.managed',
  /** Which slipway made it (its data folder's id): two slipways on one engine never touch each other's containers. */
  instance: 'dev.slipway.instance',
  app: 'dev.slipway.app',
  env: 'dev.slipway.env',
  sha: 'dev.slipway.sha',
  deployment: 'dev.slipway.deployment',
  /** On images, the only label there (each costs the legacy builder a step): how the image was made (see recipeOf). */
  recipe: 'dev.slipway.recipe',
} as const;

/** The engine's label filter for what one slipway made for one app (and one environment). */
export function labelFilter(instance: string, app: string, env?: string): { label: string[] } {
  const label = [`${LABELS.managed}=true`, `${LABELS.instance}=${instance}`, `${LABELS.app}=${app}`];
  if (env !== undefined) label.push(`${LABELS.env}=${env}`);
  return { label };
}
