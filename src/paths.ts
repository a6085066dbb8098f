import { isAbsolute, relative } from 'node:path';

/** Whether `inner` is `outer` or inside it (both absolute, resolved). */
export function within(inner: string, outer: string): boolean {
  const path = relative(outer, inner);
  return path === '' || (!isAbsolute(path) && path !== '..' && !path.startsWith('../'));
}
