import { UsageError } from './args.js';

/** The one FILE argument of `backup` and `restore`. */
export function oneFile(command: string, positionals: string[]): string {
  const [file, ...rest] = positionals;
  if (file === undefined || file === '' || rest.length > 0) {
    throw new UsageError(`expected one FILE, e.g. slipway ${command} slipway-backup.db\nrun "slipway ${command} --help" for usage`);
  }
  return file;
}
