import { detail, headline, links, MARKS, toneOf, type Outgoing, type Tone } from '../message.js';

/** Adaptive Card text colours by outcome. */
const COLOURS: Record<Tone, string> = { good: 'Good', bad: 'Attention', warning: 'Warning', neutral: 'Default' };

/**
 * A Microsoft Teams message for an incoming webhook or a Workflows "when a Teams webhook
 * request is received" flow: `type: message` with one Adaptive Card attachment holding the
 * summary, why, the commit and trigger as facts, and buttons to the environment and the log.
 */
export function teamsBody(outgoing: Outgoing): unknown {
  const { facts } = outgoing;
  const why = detail(facts);
  const tone = toneOf(facts);
  const body: unknown[] = [
    { type: 'TextBlock', text: `${MARKS[tone]} ${headline(outgoing)}`, wrap: true, weight: 'Bolder', color: COLOURS[tone] },
    ...(why === null ? [] : [{ type: 'TextBlock', text: why, wrap: true }]),
    {
      type: 'FactSet',
      facts: [
        ...(facts.sha === null ? [] : [{ title: 'Commit', value: facts.sha.slice(0, 12) }]),
        ...(facts.trigger === null ? [] : [{ title: 'Trigger', value: facts.trigger }]),
      ],
    },
  ];
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.2',
    body,
    actions: links(outgoing).map((item) => ({ type: 'Action.OpenUrl', title: item.label, url: item.url })),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

/**
 * Teams' legacy connectors answer 200 even when throttled, saying so in the body: such an
 * answer is tried again like a 429.
 */
export const teamsThrottled = (answer: string): boolean => answer.includes('HTTP error 429');
