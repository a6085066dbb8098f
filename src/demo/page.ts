import { get as httpGet } from 'node:http';
import { SlipwayError } from '../errors.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const MAX_TITLE = 200;

/** HTML text as plain text: entities decoded, control characters (terminal escapes) dropped, spaces collapsed. */
function plain(html: string): string {
  const decoded = html.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
  // eslint-disable-next-line no-control-regex
  const text = decoded.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > MAX_TITLE ? `${text.slice(0, MAX_TITLE - 1)}…` : text;
}

interface Answer {
  status: number;
  statusText: string;
  body: string;
}

/**
 * GET over plain HTTP. `*.localhost` goes to 127.0.0.1, as browsers and curl send it (RFC 6761),
 * which the system resolver may not do.
 */
function get(url: URL, timeoutMs: number): Promise<Answer> {
  const local = url.hostname === 'localhost' || url.hostname.endsWith('.localhost');
  return new Promise((resolve, reject) => {
    const request = httpGet(
      { host: local ? '127.0.0.1' : url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}`, headers: { host: url.host }, timeout: timeoutMs },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

/**
 * What the page at `url` (http) says, in a few words: its `<title>`. Throws a SlipwayError
 * saying why when the page does not answer 2xx within `timeoutMs` or has no title.
 */
export async function pageTitle(url: string, timeoutMs = 5000): Promise<string> {
  let answer: Answer;
  try {
    answer = await get(new URL(url), timeoutMs);
  } catch (error) {
    throw new SlipwayError('page_unreachable', `no answer from ${url} (${(error as Error).message})`);
  }
  if (answer.status < 200 || answer.status > 299) throw new SlipwayError('page_unreachable', `${url} answered ${answer.status} ${answer.statusText}`);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(answer.body)?.[1];
  if (title === undefined) throw new SlipwayError('page_untitled', `${url} answered, with a page that has no <title>`);
  return plain(title);
}
