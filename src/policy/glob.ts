/**
 * Branch globs: `*` matches within one `/`-separated segment, `**` matches across segments
 * (`**` followed by `/` also matches no segment at all: `**` + `/fix` matches `fix`).
 * Everything else matches itself; matching is case-sensitive, like git.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 3;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 2;
    } else if (pattern[i] === '*') {
      source += '[^/]*';
      i += 1;
    } else {
      source += (pattern[i] ?? '').replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
      i += 1;
    }
  }
  return new RegExp(`^${source}$`);
}

export function matchesGlob(pattern: string, name: string): boolean {
  return globToRegExp(pattern).test(name);
}

/** The first pattern `name` matches, or null. */
export function firstMatch(patterns: readonly string[], name: string): string | null {
  return patterns.find((pattern) => matchesGlob(pattern, name)) ?? null;
}
