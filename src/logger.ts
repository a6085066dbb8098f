import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Paths whose values never reach the log, wherever a caller puts them. */
const REDACT = [
  'secret',
  'token',
  'apiToken',
  'webhookSecret',
  'authorization',
  '*.secret',
  '*.token',
  '*.apiToken',
  '*.webhookSecret',
  '*.authorization',
  'headers["x-hub-signature-256"]',
  'headers.authorization',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable lines instead of JSON (a terminal). */
  pretty: boolean;
}

/** One logger per process, made in main and passed down; children add scope. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (!options.pretty) return pino(base);
  return pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
}
