import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { SECRET_KEYS } from './config/schema.js';

export type { Logger };

/** Paths whose values never reach the log, wherever a caller puts them. */
const REDACT = [
  ...['secret', 'authorization', ...SECRET_KEYS].flatMap((key) => [key, `*.${key}`]),
  'headers["x-hub-signature-256"]',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable lines instead of JSON (a terminal). */
  pretty: boolean;
  /** Where JSON lines go; standard output by default. */
  destination?: DestinationStream;
}

/** One logger per process, made in main and passed down; children add scope. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (!options.pretty) return options.destination === undefined ? pino(base) : pino(base, options.destination);
  return pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
