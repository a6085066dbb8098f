import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SlipwayError } from '../errors.js';

/** Wrong command-line use: printed with the command's usage, exit code 2. */
export class UsageError extends SlipwayError {
  constructor(message: string) {
    super('usage', message, { status: 2 });
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with messages that name the command and point at --help. */
export function parse<O extends Options>(command: string, argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${message}\nrun "slipway ${command} --help" for usage`);
  }
}

export function portValue(value: string, source: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535`);
  }
  return port;
}
