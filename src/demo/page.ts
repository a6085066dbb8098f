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

/**
 * What the page at `url` says, in a few words: its `<title>`. Throws a SlipwayError saying
 * why when the page does not answer 2xx within `timeoutMs` or has no title.
 */
export async function pageTitle(url: string, timeoutMs = 5000): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as Error).cause;
    const reason = cause instanceof Error ? cause.message : (error as Error).message;
    throw new SlipwayError('page_unreachable', `no answer from ${url} (${reason})`);
  }
  const html = await response.text();
  if (!response.ok) throw new SlipwayError('page_unreachable', `${url} answered ${response.status} ${response.statusText}`);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  if (title === undefined) throw new SlipwayError('page_untitled', `${url} answered, with a page that has no <title>`);
  return plain(title);
}
