import { detail, headline, isoTime, links, MARKS, oneLine, toneOf, type Outgoing, type Tone } from '../message.js';

/** Discord's limits: 2000 characters of content, 256 of an embed's title, 4096 of its description. */
const MAX_CONTENT = 2000;
const MAX_TITLE = 256;

/** Embed colours (0xRRGGBB as a number, as Discord takes them). */
const COLOURS: Record<Tone, number> = { good: 0x2ea043, bad: 0xd1242f, warning: 0xbf8700, neutral: 0x6e7781 };

/** Discord markdown would format text from outside (`*`, `_`, `` ` ``, `~`, `|`, `>`, masked links, a heading): escaped with a backslash. */
const escape = (text: string) => text.replace(/[\\*_`~|>[\]]/g, '\\$&').replace(/^#/, '\\#');

/**
 * A Discord execute-webhook body: `content` (the one-line summary) and one embed with why, the
 * commit, and the links. `allowed_mentions` with nothing to parse: text from outside (a branch
 * named `@everyone`) never pings anyone.
 */
export function discordBody(outgoing: Outgoing): unknown {
  const { facts } = outgoing;
  const summary = `${MARKS[toneOf(facts)]} ${headline(outgoing)}`;
  const why = detail(facts);
  const fields = [
    ...(facts.sha === null ? [] : [{ name: 'Commit', value: `\`${facts.sha.slice(0, 12)}\``, inline: true }]),
    ...(facts.trigger === null ? [] : [{ name: 'Trigger', value: escape(oneLine(facts.trigger, 200)), inline: true }]),
    ...links(outgoing).map((item) => ({ name: item.label, value: item.url, inline: false })),
  ];
  const embed = {
    title: oneLine(`${facts.app}/${facts.environment}`, MAX_TITLE),
    ...(why === null ? {} : { description: escape(why) }),
    ...(facts.url !== null && links(outgoing).some((item) => item.url === facts.url) ? { url: facts.url } : {}),
    color: COLOURS[toneOf(facts)],
    fields,
    timestamp: isoTime(facts.at),
  };
  return { content: escape(oneLine(summary, MAX_CONTENT)), embeds: [embed], allowed_mentions: { parse: [] } };
}
