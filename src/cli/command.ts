/** A subcommand of `slipway`: its one-line summary and what it does with its arguments. */
export interface Command {
  summary: string;
  /** Resolves to the exit code: 0 done, 1 refused or failed, 2 bad arguments. */
  run(argv: string[]): Promise<number>;
}
