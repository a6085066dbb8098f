import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { readDocument, pathKey, type ConfigDocument, type KeyPath } from './document.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import type { Env } from './expand.js';
import { configSchema, type Config } from './schema.js';
import { workDirProblem } from './work-dir.js';

export type { Env } from './expand.js';

export const DEFAULT_CONFIG_FILE = 'slipway.yaml';

export interface LoadOptions {
  /** Config file as the user named it; when absent, `slipway.yaml` in `cwd` if it exists. */
  file?: string;
  env: Env;
  cwd: string;
  /**
   * Read and check only these top-level sections, ignoring the rest: what a client needs to
   * reach the server when other parts are broken (`slipway reload` of a bad config).
   */
  only?: readonly ConfigSection[];
}

export type ConfigSection = keyof Config;

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read, or null when running on defaults. */
  file: string | null;
}

/** Reads, expands and validates the config. Throws ConfigError listing every problem. */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const file = options.file ?? DEFAULT_CONFIG_FILE;
  const absolute = resolve(options.cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.file === undefined) {
      return { config: validate(readDocument('', options.env), file, options.cwd, false, options.only), file: null };
    }
    const problem = (message: string): ConfigProblem => ({ file, line: null, path: '', message });
    if (code === 'ENOENT') {
      const problems = [problem(`config file not found: ${file}`)];
      throw new ConfigError(problems, { code: 'config_not_found', cause: error });
    }
    const reason = READ_ERRORS[code ?? ''] ?? code ?? 'unknown error';
    const problems = [problem(`cannot read config file ${file}: ${reason}`)];
    throw new ConfigError(problems, { code: 'config_unreadable', cause: error });
  }
  return { config: validate(readDocument(text, options.env), file, dirname(absolute), true, options.only), file: absolute };
}

const READ_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * Parses config text. `file` is how messages name it; relative paths in the config
 * (store.dataDir) are resolved against that file's folder.
 */
export function parseConfig(text: string, file: string, env: Env, cwd: string): Config {
  return validate(readDocument(text, env), file, dirname(resolve(cwd, file)), true);
}

/** `fromFile`: the config came from a file in `baseDir` (which the work folder must stay out of). */
function validate(whole: ConfigDocument, file: string, baseDir: string, fromFile: boolean, only?: readonly ConfigSection[]): Config {
  const doc = only === undefined ? whole : sectionsOf(whole, only);
  const problems: ConfigProblem[] = doc.problems.map((p) => ({
    file,
    line: p.line,
    path: formatPath(p.path, doc),
    message: p.message,
  }));
  if (doc.complete) {
    const result = configSchema(baseDir).safeParse(doc.data ?? {}, { error: describeIssue });
    if (result.success) {
      const config = result.data;
      const store = { ...config.store, dataDir: resolve(baseDir, config.store.dataDir) };
      const overlap = workDirProblem(store.workDir, store.dataDir, fromFile ? baseDir : null);
      if (overlap !== null) {
        const path = ['store', 'workDir'];
        problems.push({ file, line: doc.lineOf(path), path: formatPath(path, doc), message: overlap });
      }
      if (problems.length > 0) throw new ConfigError(problems);
      return { ...config, store };
    }
    for (const issue of result.error.issues) problems.push(...toProblems(issue, doc, file));
  }
  throw new ConfigError(problems);
}

/** The document with only `sections` (and the problems found in them, or in the document as a whole). */
function sectionsOf(doc: ConfigDocument, sections: readonly ConfigSection[]): ConfigDocument {
  const kept = (key: string | number | undefined) => key === undefined || sections.some((section) => section === key);
  const data = isIndexable(doc.data) ? Object.fromEntries(Object.entries(doc.data).filter(([key]) => kept(key))) : doc.data;
  return { ...doc, data, problems: doc.problems.filter((problem) => kept(problem.path[0])) };
}

function toProblems(issue: z.core.$ZodIssue, doc: ConfigDocument, file: string): ConfigProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      line: doc.lineOf([...path, key]),
      path: formatPath([...path, key], doc),
      message: `unknown key "${key}"; ${issue.message}`,
    }));
  }
  // A failed ${VAR} was already reported; its placeholder value would only add noise.
  if (doc.failed.some((failed) => isPrefix(failed, path) || isPrefix(path, failed))) return [];
  return [{ file, line: doc.lineOf(path), path: formatPath(path, doc), message: messageFor(issue, path, doc) }];
}

/** A message that quotes the value (see `quotingIssue`) is swapped for its redacted form when the value came from the environment. */
function messageFor(issue: z.core.$ZodIssue, path: KeyPath, doc: ConfigDocument): string {
  const redacted: unknown = issue.code === 'custom' ? issue.params?.redacted : undefined;
  return typeof redacted === 'string' && doc.expanded.has(pathKey(path)) ? redacted : issue.message;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `apps.web.repo`: list items that have a valid `name` are shown by it, others by index
 * (`apps[2].repo`). A name that came from the environment is not shown.
 */
function formatPath(path: KeyPath, doc: ConfigDocument): string {
  let text = '';
  let node: unknown = doc.data;
  path.forEach((segment, i) => {
    const next: unknown = isIndexable(node) ? node[segment] : undefined;
    if (typeof segment === 'number') {
      const name = isIndexable(next) ? next.name : undefined;
      const fromEnv = doc.expanded.has(pathKey([...path.slice(0, i + 1), 'name']));
      text += typeof name === 'string' && LABEL.test(name) && !fromEnv ? `.${name}` : `[${segment}]`;
    } else {
      const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment);
      text += plain ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    }
    node = next;
  });
  return text.startsWith('.') ? text.slice(1) : text;
}

function isPrefix(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

function isIndexable(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Messages say what is expected and never repeat the value received (it may be a secret). */
function describeIssue(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `expected ${KINDS[issue.expected] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'too_small':
      if (issue.minimum === 1 && issue.origin === 'string') return 'must not be empty';
      if (issue.minimum === 1 && issue.origin === 'array') return 'must not be an empty list';
      if (issue.origin === 'string') return `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `must have at least ${issue.minimum} items`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    default:
      return 'is not valid here';
  }
}

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function kindOf(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'true/false';
  return typeof value;
}
