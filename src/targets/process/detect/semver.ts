/**
 * Just enough of npm's semver ranges to check `engines.node` against the running Node.js:
 * `>=18`, `^20.1`, `~18.17`, `18.x`, `20 || 22`, `>=18 <23`, `18.0.0 - 20`, `*`. A range
 * outside that grammar is not guessed at: parseRange returns null.
 */

interface Version {
  core: [number, number, number];
  /** Pre-release identifiers (`-rc.1`); empty for a release. */
  pre: string[];
}

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  op: Op;
  version: Version;
}
/** Alternatives (`||`), each a list of comparators that must all hold. */
export type Range = Comparator[][];

/** A version as written in a range: a missing or `x` part is null. */
type Partial = [number | null, number | null, number | null, string[]];

const PART = '(0|[1-9]\\d*|[xX*])';
const PRE = '(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?';
const PARTIAL = `v?${PART}(?:\\.${PART}(?:\\.${PART}${PRE})?)?`;
const COMPARATOR = new RegExp(`^(<=|>=|<|>|=|\\^|~>|~)?${PARTIAL}$`);
const HYPHEN = new RegExp(`^${PARTIAL}\\s+-\\s+${PARTIAL}$`);
const VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

const number = (part: string | undefined): number | null => (part === undefined || /^[xX*]$/.test(part) ? null : Number(part));

function partial(groups: (string | undefined)[]): Partial {
  const [major, minor, patch, pre] = groups;
  const parts = [number(major), number(minor), number(patch)];
  // After a wildcard every part is one (`1.x.3` is `1.x`).
  const wild = parts.indexOf(null);
  if (wild >= 0) parts.fill(null, wild);
  return [parts[0] ?? null, parts[1] ?? null, parts[2] ?? null, pre === undefined || wild >= 0 ? [] : pre.split('.')];
}

const v = (major: number, minor = 0, patch = 0, pre: string[] = []): Version => ({ core: [major, minor, patch], pre });
const c = (op: Op, version: Version): Comparator => ({ op, version });
/** Nothing satisfies it. */
const NONE = [c('<', v(0))];

/** The comparators a single `op partial` stands for (npm's desugaring). */
function desugar(op: string, [major, minor, patch, pre]: Partial): Comparator[] {
  if (major === null) return op === '<' || op === '>' ? NONE : [];
  const full = minor !== null && patch !== null;
  const low = v(major, minor ?? 0, patch ?? 0, pre);
  // The first version past the partial: 1 → 2.0.0, 1.2 → 1.3.0.
  const next = minor === null ? v(major + 1) : v(major, minor + 1);
  switch (op) {
    case '':
    case '=':
      return full ? [c('=', low)] : [c('>=', low), c('<', next)];
    case '>=':
    case '<':
      return [c(op, low)];
    case '>':
      return full ? [c('>', low)] : [c('>=', next)];
    case '<=':
      return full ? [c('<=', low)] : [c('<', next)];
    case '~':
    case '~>':
      return [c('>=', low), c('<', minor === null ? v(major + 1) : v(major, minor + 1))];
    default: {
      // ^: the first non-zero part may not change (^0.2.3 <0.3.0, ^0.0.3 <0.0.4).
      if (major > 0 || minor === null) return [c('>=', low), c('<', v(major + 1))];
      if (minor > 0 || patch === null) return [c('>=', low), c('<', v(0, minor + 1))];
      return [c('>=', low), c('<', v(0, 0, patch + 1))];
    }
  }
}

function parseSet(text: string): Comparator[] | null {
  const set = text.trim();
  if (set === '') return [];
  const hyphen = HYPHEN.exec(set);
  if (hyphen !== null) {
    const from = partial(hyphen.slice(1, 5));
    const to = partial(hyphen.slice(5, 9));
    return [...desugar('>=', from), ...desugar('<=', to)];
  }
  const comparators: Comparator[] = [];
  // An operator may stand apart from its version: `>= 18`.
  for (const token of set.replace(/(<=|>=|<|>|=|\^|~>|~)\s+/g, '$1').split(/\s+/)) {
    const match = COMPARATOR.exec(token);
    if (match === null) return null;
    comparators.push(...desugar(match[1] ?? '', partial(match.slice(2, 6))));
  }
  return comparators;
}

/** The range, or null when it is not one slipway understands. */
export function parseRange(text: string): Range | null {
  if (text.length > 256) return null;
  const sets = text.split('||').map(parseSet);
  return sets.every((set): set is Comparator[] => set !== null) ? sets : null;
}

export function parseVersion(text: string): Version | null {
  const match = VERSION.exec(text.trim());
  if (match === null) return null;
  return v(Number(match[1]), Number(match[2]), Number(match[3]), match[4]?.split('.') ?? []);
}

function compareIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  if (numeric.test(a) !== numeric.test(b)) return numeric.test(a) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i += 1) {
    const diff = (a.core[i] ?? 0) - (b.core[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  // A pre-release comes before its release; pre-releases compare identifier by identifier.
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i += 1) {
    const [x, y] = [a.pre[i], b.pre[i]];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    const diff = compareIds(x, y);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

function holds({ op, version }: Comparator, candidate: Version): boolean {
  const order = compare(candidate, version);
  return { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0, '=': order === 0 }[op];
}

export function satisfies(version: Version, range: Range): boolean {
  return range.some((set) => set.every((comparator) => holds(comparator, version)));
}
