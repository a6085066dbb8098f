import {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type ErrorCode,
} from 'yaml';
import { expand, type Env } from './expand.js';

export type KeyPath = readonly (string | number)[];

/** A problem found while reading YAML, before the schema is applied. */
export interface DocumentProblem {
  line: number;
  path: KeyPath;
  message: string;
}

/** A parsed, expanded config document that can say on which line a key path is. */
export interface ConfigDocument {
  /** Plain data after `${VAR}` expansion; `undefined` for an empty document. */
  data: unknown;
  /** False when the YAML could not be turned into data (syntax errors): nothing to validate. */
  complete: boolean;
  problems: DocumentProblem[];
  /** Paths whose value came (partly) from the environment: never echo them. */
  expanded: ReadonlySet<string>;
  /** Paths whose expansion failed: other complaints about them would only be noise. */
  failed: readonly KeyPath[];
  lineOf(path: KeyPath): number;
}

export const pathKey = (path: KeyPath): string => JSON.stringify(path);

// Our own words for YAML errors: the parser's messages can quote source text, which may be a secret.
const SYNTAX: Partial<Record<ErrorCode, string>> = {
  DUPLICATE_KEY: 'duplicate key; each key may appear only once in a mapping',
  TAB_AS_INDENT: 'tab used for indentation; indent with spaces',
  BAD_INDENT: 'bad indentation; check this line lines up with the keys around it',
  MISSING_CHAR: 'missing closing quote or bracket',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  MULTIPLE_DOCS: 'more than one YAML document; remove the "---" separator',
  BLOCK_AS_IMPLICIT_KEY: 'a mapping cannot start on the same line as its key; put it on the next line',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; is a ":" or quote missing?',
  TAG_RESOLVE_FAILED: 'unknown YAML tag',
  BAD_ALIAS: 'invalid YAML alias',
};

const UNEXPECTED = 'unexpected text; check quoting and indentation';

export function readDocument(text: string, env: Env): ConfigDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lines.linePos(offset).line;
  const lineOf = (path: KeyPath): number => locate(doc, path, lineAt);
  const problems: DocumentProblem[] = [];
  for (const error of doc.errors) {
    const line = lineAt(error.pos[0]);
    const message = `YAML syntax error: ${SYNTAX[error.code] ?? UNEXPECTED}`;
    // One parse mistake often yields several errors on the same line: say it once.
    if (problems.some((p) => p.line === line && p.message === message)) continue;
    problems.push({ line, path: [], message });
  }
  const expanded = new Set<string>();
  const failed: KeyPath[] = [];
  const incomplete = { data: undefined, complete: false, problems, expanded, failed, lineOf };
  if (problems.length > 0) return incomplete;
  let aliasProblem = false;

  const visit = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) visit(pair.value, [...path, keyText(pair.key)]);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isAlias(node)) {
      if (!node.resolve(doc)) {
        const line = node.range ? lineAt(node.range[0]) : lineOf(path);
        const message = 'unknown YAML alias; define the anchor (&name) before using it (*name)';
        problems.push({ line, path, message });
        aliasProblem = true;
      }
    } else if (isScalar(node) && typeof node.value === 'string') {
      const result = expand(node.value, env);
      node.value = result.value;
      if (result.expanded) expanded.add(pathKey(path));
      if (result.problems.length > 0) failed.push(path);
      const line = node.range ? lineAt(node.range[0]) : lineOf(path);
      for (const message of result.problems) problems.push({ line, path, message });
    }
  };
  visit(doc.contents, []);
  if (aliasProblem) return incomplete;
  try {
    const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? undefined;
    return { data, complete: true, problems, expanded, failed, lineOf };
  } catch {
    problems.push({ line: 1, path: [], message: 'YAML aliases expand too much; use fewer aliases' });
    return incomplete;
  }
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The line of the deepest node along `path` that exists (a key's own line for mapping values). */
function locate(doc: Document, path: KeyPath, lineAt: (offset: number) => number): number {
  let node: unknown = doc.contents;
  let line = isNode(node) && node.range ? lineAt(node.range[0]) : 1;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) line = lineAt(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!isNode(item) || !item.range) break;
      line = lineAt(item.range[0]);
      node = item;
    } else {
      break;
    }
  }
  return line;
}
