import { UsageError } from './args.js';

/** The one FILE argument of `backup`, `restore`, `export` and `import`. */
export function oneFile(command: string, positionals: string[], example = 'slipway-backup.db'): string {
  const [file, ...rest] = positionals;
  if (file === undefined || file === '' || rest.length > 0) {
    throw new UsageError(`expected one FILE, e.g. slipway ${command} ${example}\nrun "slipway ${command} --help" for usage`);
  }
  return file;
}

/** `3 environments, 12 deployments, 40 deliveries`: the tables people count by, then the rest in one figure. */
export function rowCounts(rows: Record<string, number>): string {
  const { environments = 0, deployments = 0, deliveries = 0, ...rest } = rows;
  const others = Object.values(rest).reduce((sum, count) => sum + count, 0);
  return `${environments} environments, ${deployments} deployments, ${deliveries} deliveries, ${others} other rows`;
}
