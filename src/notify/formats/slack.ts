import { detail, headline, links, MARKS, toneOf, type Outgoing } from '../message.js';

/** Slack reads `&`, `<` and `>` as markup (`<!channel>` pings everyone): text from outside is escaped. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A link as Slack's mrkdwn writes it: `<url|label>`; `|` and `>` in the URL would end it early. */
const link = (url: string, label: string) => `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escape(label)}>`;

/**
 * A Slack incoming-webhook message: `text` (the one-line summary, also the fallback shown in
 * notifications) and `blocks`: a mrkdwn section with the summary and why, then a context
 * line with the environment and log links.
 */
export function slackBody(outgoing: Outgoing): unknown {
  const summary = `${MARKS[toneOf(outgoing.facts)]} ${headline(outgoing)}`;
  const why = detail(outgoing.facts);
  const section = why === null ? escape(summary) : `${escape(summary)}\n${escape(why)}`;
  const found = links(outgoing);
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: section } }];
  if (found.length > 0) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: found.map((item) => link(item.url, item.label)).join(' · ') }] });
  }
  return { text: escape(why === null ? summary : `${summary}: ${why}`), blocks };
}
