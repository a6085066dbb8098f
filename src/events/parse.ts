import type { z } from 'zod';
import { PayloadError } from './errors.js';

/** How many problems one error message lists before summarizing the rest. */
const MAX_LISTED_ISSUES = 3;

/** Validates `payload` of `event` with `schema`, or throws a PayloadError naming the field paths. */
export function parsePayload<S extends z.ZodType>(event: string, schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  throw new PayloadError(event, describeIssues(result.error.issues, payload));
}

function describeIssues(issues: readonly z.core.$ZodIssue[], payload: unknown): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => describeIssue(issue, payload));
  const rest = issues.length - listed.length;
  return listed.join('; ') + (rest > 0 ? ` (and ${rest} more)` : '');
}

function describeIssue(issue: z.core.$ZodIssue, payload: unknown): string {
  const reason = issueReason(issue, payload);
  return issue.path.length === 0 ? reason : `${formatPath(issue.path)}: ${reason}`;
}

// Reasons are built from the schema (expected types, allowed values) and the *type* of what was
// received, never from received values, so payload text cannot leak into logs or responses.
function issueReason(issue: z.core.$ZodIssue, payload: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const received = valueAt(payload, issue.path);
      if (received === undefined && issue.path.length > 0) return 'required';
      return `expected ${withArticle(issue.expected)}, got ${withArticle(typeName(received))}`;
    }
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    default:
      return 'invalid value';
  }
}

/** `['pull_request', 'labels', 0, 'name']` → `pull_request.labels[0].name` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function withArticle(type: string): string {
  if (type === 'null' || type === 'undefined') return type;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
