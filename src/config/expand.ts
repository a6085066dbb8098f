/** The variables `${VAR}` is expanded from; passed in, never read from `process.env` here. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Expansion {
  value: string;
  /** True when any `${...}` was substituted: the value must then never be echoed in messages. */
  expanded: boolean;
  /** What went wrong, without the value of any variable. */
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SYNTAX = 'write ${NAME} or ${NAME:-default}, or $${ for a literal ${';

/**
 * Expands `${VAR}` and `${VAR:-default}` in one scalar string; `$${` is a literal `${`.
 * The default is used when VAR is unset or empty. Defaults are taken literally (no nesting).
 */
export function expand(text: string, env: Env): Expansion {
  let value = '';
  let expanded = false;
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    if (end === -1) {
      problems.push(`unterminated "\${"; ${SYNTAX}`);
      break;
    }
    const inner = text.slice(i + 2, end);
    i = end + 1;
    const split = inner.indexOf(':-');
    const name = split === -1 ? inner : inner.slice(0, split);
    const fallback = split === -1 ? undefined : inner.slice(split + 2);
    if (!NAME.test(name)) {
      problems.push(`invalid variable reference; ${SYNTAX}`);
      continue;
    }
    if (fallback?.includes('${')) {
      problems.push(`nested "\${" in the default of ${name} is not supported`);
      continue;
    }
    expanded = true;
    const set = env[name];
    if (fallback !== undefined) {
      value += set === undefined || set === '' ? fallback : set;
    } else if (set === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else {
      value += set;
    }
  }
  return { value, expanded, problems };
}
