import { SlipwayError } from '../errors.js';

/** One thing wrong with a config file, located as precisely as we can. */
export interface ConfigProblem {
  /** The config file as the user named it (not resolved). */
  file: string;
  /** 1-based line, or null when the problem is about the file as a whole (missing, unreadable). */
  line: number | null;
  /** Key path such as `apps.web.repo` or `apps[2].repo`; empty for the document or file itself. */
  path: string;
  message: string;
}

export type ConfigErrorCode = 'config_invalid' | 'config_not_found' | 'config_unreadable';

/** `slipway.yaml:7 apps.web.repo: expected "owner/name"` */
export function formatProblem(problem: ConfigProblem): string {
  if (problem.line === null && problem.path === '') return problem.message;
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
  return problem.path === '' ? `${where} ${problem.message}` : `${where} ${problem.path}: ${problem.message}`;
}

/**
 * A config that cannot be used. Carries every problem found, not just the first; the message
 * is one line per problem, ordered by line.
 */
export class ConfigError extends SlipwayError {
  readonly problems: readonly ConfigProblem[];

  constructor(
    problems: readonly ConfigProblem[],
    options: { code?: ConfigErrorCode; cause?: unknown } = {},
  ) {
    const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    super(options.code ?? 'config_invalid', sorted.map(formatProblem).join('\n'), {
      cause: options.cause,
    });
    this.problems = sorted;
  }
}
