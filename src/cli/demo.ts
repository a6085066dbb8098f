import { IMAGE_REFERENCE } from '../config/targets.js';
import { DEMO_TARGET_TYPES, defaultBaseImage, type DemoTarget } from '../demo/config.js';
import type { Command } from './command.js';
import { parse, portValue, UsageError } from './args.js';
import { printBlock } from './output.js';

const help = (baseImage: string) => `usage: slipway demo [--port N] [--router-port N] [--dir DIR] [--target process|docker] [--base-image IMAGE]

Watch slipway do its job: it makes a sample app in a local git repository, starts slipway on
it, and plays a story, each step changing the repository and sending slipway the webhook
GitHub would send: a push to main brings up staging, pull request #1 gets a preview that
follows its new commit and goes when it closes, and a release goes to production. Each step
prints what slipway did and the URL to open. slipway then keeps running until Ctrl-C.

  --port, -p N        slipway's port for webhooks and the API (default 8080; 0 picks a free one)
  --router-port N     the router's port: it serves each environment at
                      http://<env>.web.localhost:N/ (default 8081)
  --dir DIR           the demo's folder: repository, config and data (default .slipway/demo);
                      a previous demo there is replaced (its containers removed), any other
                      non-empty folder is refused
  --target T          how each environment runs: process (default), a local process, or docker,
                      a container on the Docker Engine (DOCKER_HOST, else /var/run/docker.sock)
                      built from the Dockerfile the demo writes into the repository
  --base-image IMAGE  with --target docker: the image that Dockerfile starts FROM; any image
                      with node on PATH (default ${baseImage}, pulled when missing)

With --target docker the demo first checks that the Docker Engine answers and has the base
image or can pull it. At Ctrl-C it removes its containers; the images it built
(slipway/web:<sha>) are kept: docker image rm removes them.`;

export const demo: Command = {
  summary: 'watch slipway deploy a sample app, step by step',
  async run(argv) {
    const { values } = parse('demo', argv, {
      port: { type: 'string', short: 'p' },
      'router-port': { type: 'string' },
      dir: { type: 'string' },
      target: { type: 'string' },
      'base-image': { type: 'string' },
    });
    if (values.help) return printBlock(help(defaultBaseImage())), 0;
    const port = portValue(values.port ?? '8080', '--port');
    const routerPort = portValue(values['router-port'] ?? '8081', '--router-port');
    const target = targetValue(values.target ?? 'process');
    const baseImage = values['base-image'];
    if (baseImage !== undefined && target !== 'docker') throw new UsageError('--base-image is for --target docker: the image its Dockerfile starts FROM');
    if (baseImage !== undefined && !IMAGE_REFERENCE.test(baseImage)) {
      throw new UsageError('--base-image must be an image reference such as node:20-alpine or registry.example.com/team/node:20');
    }
    const { runDemo } = await import('./run-demo.js');
    const docker = target === 'docker' ? { baseImage: baseImage ?? defaultBaseImage() } : null;
    return runDemo({ dir: values.dir ?? '.slipway/demo', port, routerPort, docker });
  },
};

function targetValue(value: string): DemoTarget {
  const found = DEMO_TARGET_TYPES.find((type) => type === value);
  if (found === undefined) throw new UsageError(`--target must be one of: ${DEMO_TARGET_TYPES.join(', ')} (not "${value}")`);
  return found;
}
