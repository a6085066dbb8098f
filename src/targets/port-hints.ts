import { withoutEscapes } from './plain-text.js';

/** A port the app's output says it listens on, and the host with it when one was named. */
export interface NamedPort {
  port: number;
  host: string | null;
}

/** A line that says where the app listens; one about reaching something else (a database) does not count. */
const LISTENS = /\b(?:listen\w*|running|serving|started|starting|bound|bind\w*|ready|available|local|network|server|url)\b/i;
const ELSEWHERE = /\b(?:connect\w*|database|redis|postgres\w*|mysql|mongo\w*|proxy|upstream)\b/i;
/** `listening on 5000`, `running at port 8080`, `port 3000`, `PORT=3000`. */
const SAID_PORT = /\b(?:(?:listen\w*|running|serving|started|starting|bound|ready|up)\s+(?:on|at|to)(?:\s+port)?|port)\s*[:=]?\s*(\d{1,5})(?![\w.:])/gi;
/** `localhost:5000`, `127.0.0.1:5000`, `[::]:5000`, `*:5000`, `http://app.internal:5000`, or `:5000` alone; not the `12:30` of a time or `file.js:12` of a stack. */
const HOST_PORT = /(?:(localhost|(?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:.]*\]|\*|[a-zA-Z][\w-]*(?:\.[\w-]+)*)|(?<![\w:.\]*])):(\d{1,5})(?![\w.:])/g;

const valid = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

/** Where `line` says the app listens, in the order it says so. */
function portsIn(line: string): NamedPort[] {
  if (ELSEWHERE.test(line)) return [];
  const found: { at: number; named: NamedPort }[] = [];
  for (const match of line.matchAll(SAID_PORT)) found.push({ at: match.index, named: { port: Number(match[1]), host: null } });
  if (LISTENS.test(line)) {
    for (const match of line.matchAll(HOST_PORT)) found.push({ at: match.index, named: { port: Number(match[2]), host: match[1] ?? null } });
  }
  return found.sort((a, b) => a.at - b.at).map(({ named }) => named).filter(({ port }) => valid(port));
}

/** Every port the output says the app listens on, in order (escapes dropped first: colours split `:\e[1m3000`). */
export function namedPorts(output: string): NamedPort[] {
  return withoutEscapes(output).split('\n').flatMap(portsIn);
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * What the output suggests about an app nothing answered for on `port` (its PORT), as the end
 * of an error message, or '' when it says nothing useful. The last port it names counts: when
 * not PORT, `; listening on 5000 instead of PORT=40549?`; in a container, PORT on a loopback
 * host, which the published port does not reach.
 */
export function portHint(output: string, port: number, inContainer: boolean): string {
  const said = namedPorts(output);
  const last = said.at(-1);
  if (last === undefined) return '';
  if (last.port !== port) return `; listening on ${last.port} instead of PORT=${port}? Make the app listen on the port slipway gives it in $PORT`;
  if (inContainer && last.host !== null && LOOPBACK.test(last.host)) {
    return `; listening on ${last.host}:${port} inside the container? The published port does not reach it there: listen on 0.0.0.0`;
  }
  return '';
}
