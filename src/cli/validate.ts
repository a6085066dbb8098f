import type { Command } from './command.js';
import { parse } from './args.js';
import { CONFIG_OPTION, loadCliConfig } from './config-option.js';
import { print, printBlock } from './output.js';

const HELP = `usage: slipway validate [--config FILE]

Checks a config file (default: $SLIPWAY_CONFIG, else ./slipway.yaml) and reports every
problem with its file, line and key path. Exits 0 when the config is valid, 1 when not.`;

export const validate: Command = {
  summary: 'check a config file without starting',
  async run(argv) {
    const { values } = parse('validate', argv, CONFIG_OPTION);
    if (values.help) return printBlock(HELP), 0;
    const { config, file } = await loadCliConfig(values.config);
    const apps = config.apps.length;
    const receivers = config.notifications.length;
    const notifying = receivers === 0 ? '' : `, ${receivers} notification receiver${receivers === 1 ? '' : 's'}`;
    print(`${file ?? 'no config file (defaults)'}: valid, ${apps} app${apps === 1 ? '' : 's'}${notifying}`);
    return 0;
  },
};
