import { detectError } from './files.js';

/** One process type of a Procfile: `web: node server.js`. */
export interface ProcfileEntry {
  name: string;
  command: string;
  line: number;
}

const ENTRY = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*)$/;

/**
 * Parses a Procfile as Heroku reads one: a `name: command` per line; blank lines and lines
 * starting with `#` are skipped. Anything else, a name given twice, or a name without a
 * command is refused with its line number.
 */
export function parseProcfile(text: string, file = 'Procfile'): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ENTRY.exec(trimmed);
    if (match === null) {
      problems.push(`${file}:${line}: expected "name: command", such as "web: node server.js"`);
      return;
    }
    const [, name = '', command = ''] = match;
    const earlier = entries.find((entry) => entry.name === name);
    if (earlier !== undefined) problems.push(`${file}:${line}: ${name} is given twice (first on line ${earlier.line}); keep one`);
    else if (command.trim() === '') problems.push(`${file}:${line}: ${name} has no command`);
    else if (command.includes('\0')) problems.push(`${file}:${line}: ${name} must not contain a NUL character`);
    else entries.push({ name, command: command.trim(), line });
  });
  if (problems.length > 0) throw detectError(problems.join('\n'));
  return entries;
}
