/** A condition with one `?`, and its value; an undefined value leaves the condition out. */
export type Filter = readonly [sql: string, value: string | number | undefined];

/** `WHERE a AND b` of the filters given a value (or nothing), their `?` numbered `$1`, `$2`…, and those values in order. */
export function whereOf(filters: readonly Filter[]): { clause: string; values: (string | number)[] } {
  const used = filters.filter((filter): filter is readonly [string, string | number] => filter[1] !== undefined);
  return {
    clause: used.length > 0 ? `WHERE ${used.map(([sql], index) => sql.replace('?', `$${index + 1}`)).join(' AND ')}` : '',
    values: used.map(([, value]) => value),
  };
}
