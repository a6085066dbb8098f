import { SAMPLE_HEALTH_PATH } from './sample-app.js';

/** The config `slipway demo` runs with: one app, `web`, deployed from a local repository. */

export const DEMO_APP = 'web';
export const DEMO_REPO = 'demo/web';

/**
 * How the demo deploys `web`, by `--target`: one line of the app's config. The process target
 * runs the sample app's `slipway.app.yaml` as a local process; the docker target builds an image
 * from its `Dockerfile` and runs a container per environment. The router gives each a URL.
 */
export const DEMO_TARGETS = {
  process: `target: { type: process, stopGrace: 2s }`,
  docker: `target: { type: docker, port: 8080, stopGrace: 2s, health: { path: ${SAMPLE_HEALTH_PATH}, timeout: 60s } }`,
} as const;

export type DemoTarget = keyof typeof DEMO_TARGETS;
export const DEMO_TARGET_TYPES = Object.keys(DEMO_TARGETS) as DemoTarget[];

export const DEMO_TARGET_YAML = DEMO_TARGETS.process;

/** The image the sample app's Dockerfile starts FROM by default: the official node image of the running Node.js's major version. */
export function defaultBaseImage(): string {
  return `node:${process.versions.node.split('.')[0] ?? '20'}-alpine`;
}

export interface DemoConfigOptions {
  /** The app's git remote: the local repository's `file://` URL. */
  repoUrl: string;
  webhookSecret: string;
  /** The router's port (0: any free one). */
  routerPort: number;
  /** `target:` line of the app; DEMO_TARGET_YAML unless a test needs another. */
  target?: string;
}

/** A YAML string that config loading reads back as `text` (`${` would otherwise be expanded). */
function yamlString(text: string): string {
  return JSON.stringify(text).replaceAll('${', () => '$${');
}

/** The demo's config file; `store.dataDir` is `data`, next to the file. */
export function demoConfigYaml(options: DemoConfigOptions): string {
  return `# Written by "slipway demo"; the next run of the demo replaces it.
github:
  webhookSecret: ${yamlString(options.webhookSecret)}
store:
  dataDir: data
log:
  level: warn
router:
  host: 127.0.0.1
  port: ${options.routerPort}
  domain: localhost
apps:
  - name: ${DEMO_APP}
    repo: ${DEMO_REPO}
    url: ${yamlString(options.repoUrl)}
    ${options.target ?? DEMO_TARGET_YAML}
    environments:
      - name: staging
        track: { branch: main }
      - name: pr-{number}
        track: { pullRequests: { base: [main] } }
      - name: production
        track: { release: { prerelease: false } }
`;
}
