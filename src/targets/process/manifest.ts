import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { duration, MAX_TIMER_MS } from '../../config/duration.js';
import { formatProblem, type ConfigProblem } from '../../config/errors.js';
import { strictShape } from '../../config/fields.js';
import { SlipwayError } from '../../errors.js';
import type { Health } from '../health.js';

export const DEFAULT_MANIFEST = 'slipway.app.yaml';

/** A command of the manifest: a string is run with `/bin/sh -c` (like a Procfile line), a list without a shell. */
export interface ManifestCommand {
  argv: string[];
  /** As written, for the log. */
  text: string;
}

/** The app's own description of how it is built and run (`slipway.app.yaml` in its repository). */
export interface Manifest {
  build: ManifestCommand | null;
  start: ManifestCommand;
  health: Health;
  env: Record<string, string>;
}

const COMMAND = 'expected a command: a string (run with /bin/sh -c) or a list of arguments';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const command = z
  .union([z.string().trim().min(1), z.array(z.string().min(1, 'must not be empty')).min(1, 'must not be an empty list')], {
    error: (issue) => (issue.input === undefined ? 'is required' : COMMAND),
  })
  .refine((value) => !(typeof value === 'string' ? [value] : value).some((part) => part.includes('\0')), 'must not contain a NUL character')
  .transform((value): ManifestCommand =>
    typeof value === 'string' ? { argv: ['/bin/sh', '-c', value], text: value } : { argv: value, text: value.join(' ') },
  );

const schema = strictShape({
  build: command.optional(),
  start: command,
  health: strictShape({
    path: z
      .string({ error: 'expected a path such as /healthz' })
      .regex(/^\/[\x21-\x7e]*$/, 'expected a path such as /healthz (starting with /, no spaces)')
      .optional(),
    timeout: duration({ max: MAX_TIMER_MS }).default(60_000),
  }).optional(),
  env: z
    .record(
      z
        .string()
        .regex(NAME, 'must be letters, digits and _, not starting with a digit')
        .refine((name) => name !== 'PORT' && !name.startsWith('SLIPWAY_'), 'is set by slipway; choose another name'),
      z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or true/false' }).transform(String),
    )
    .optional(),
});

function invalid(message: string): SlipwayError {
  return new SlipwayError('target_process_manifest', message);
}

/** The manifest file in `workdir`; a path that is absolute or leads out of the worktree is refused. */
async function locate(workdir: string, name: string): Promise<string> {
  const leaves = (path: string) => path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
  if (name === '' || isAbsolute(name) || leaves(relative(workdir, resolve(workdir, name)))) {
    throw invalid(`manifest path ${name} must be relative to the repository root and stay inside it, e.g. ${DEFAULT_MANIFEST}`);
  }
  const file = resolve(workdir, name);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    throw invalid(`${name} not found in the worktree; add it to the repository with at least "start: <command that listens on $PORT>"`);
  }
  if (leaves(relative(await realpath(workdir), real))) throw invalid(`${name} leads out of the worktree (a symbolic link); it must be a file of the repository`);
  return real;
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let length = path.length; length > 0; length -= 1) {
    const node: unknown = doc.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return null;
}

const keyPath = (path: readonly PropertyKey[]) =>
  path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`)).join('');

/** Reads and checks the manifest; every problem is reported as `file:line key: message`. */
export async function readManifest(workdir: string, name: string): Promise<Manifest> {
  const text = await readFile(await locate(workdir, name), 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = doc.errors.map((error) => ({
    file: name,
    line: lines.linePos(error.pos[0]).line,
    path: '',
    message: `YAML syntax error: ${error.message}`,
  }));
  if (problems.length === 0) {
    const data: unknown = doc.toJS();
    if (data === null || data === undefined) throw invalid(`${name} is empty; it needs at least "start: <command that listens on $PORT>"`);
    const result = schema.safeParse(data);
    if (result.success) {
      const { build, start, health, env } = result.data;
      return { build: build ?? null, start, health: { path: health?.path ?? null, timeoutMs: health?.timeout ?? 60_000 }, env: env ?? {} };
    }
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of keys) {
        const message =
          issue.code === 'unrecognized_keys'
            ? `unknown key; ${issue.message}`
            : issue.code === 'invalid_key'
              ? `variable name ${issue.issues.map((inner) => inner.message).join('; ')}`
              : issue.message;
        problems.push({ file: name, line: lineOf(doc, lines, path), path: keyPath(path), message });
      }
    }
  }
  throw invalid(problems.map(formatProblem).join('\n'));
}
