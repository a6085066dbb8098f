import type { Policy } from '../../src/engine/dispatch.js';
import { parseConfig } from '../../src/config/load.js';
import { applyPolicy } from '../../src/policy/policy.js';

const YAML = `
apps:
  - name: webapp
    repo: acme/webapp
    url: file:///nowhere
    target: { type: command, deploy: ["true"], destroy: ["true"] }
    environments:
      - name: br-{branch}
        track: { branches: ["**"] }
`;

/** The real policy of a config whose app `webapp` (acme/webapp) has an environment `br-{branch}` per branch pushed. */
export function branchPolicy(dir: string): Policy {
  const config = parseConfig(YAML, 'test.yaml', {}, dir);
  return (event) => applyPolicy(event, config);
}
