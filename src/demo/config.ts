/** The config `slipway demo` runs with: one app, `web`, deployed from a local repository. */

export const DEMO_APP = 'web';
export const DEMO_REPO = 'demo/web';

/**
 * How the demo deploys `web`: one line of the app's config. The process target runs the sample
 * app's `slipway.app.yaml` as a local process and the router gives each environment a URL.
 */
export const DEMO_TARGET_YAML = `target: { type: process, stopGrace: 2s }`;

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
