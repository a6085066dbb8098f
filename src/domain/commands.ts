/**
 * Commands from a pull request's comments: `/slipway redeploy`, `destroy`, `extend 48h`, `keep`
 * and `sleep`, obeyed only for users with write permission. A delivery records each command once
 * (by its comment); the engine checks who wrote it through the GitHub API, plans it against the
 * pull request's previews, applies the plan with the outcome in one transaction, and reacts to
 * the comment (👀 on receipt, then 🚀 when done or 😕 when refused or failed).
 */

export const COMMAND_VERBS = ['redeploy', 'destroy', 'extend', 'keep', 'sleep'] as const;
export type CommandVerb = (typeof COMMAND_VERBS)[number];

/** A command as parsed from its text. */
export type PrCommand = { verb: 'extend'; ms: number } | { verb: Exclude<CommandVerb, 'extend'> };

/** `received` until decided; `failed` when slipway could not carry it out (GitHub refused the permission check). */
export const COMMAND_STATES = ['received', 'done', 'refused', 'failed'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** The reactions slipway puts on a command's comment, in the order it puts them. */
export const COMMAND_REACTIONS = ['eyes', 'rocket', 'confused'] as const;
export type CommandReaction = (typeof COMMAND_REACTIONS)[number];

/** What a delivery says: someone commented a `/slipway …` command. */
export interface CommandNote {
  /** `owner/name` */
  repo: string;
  /** The pull request (or issue) commented on. */
  pr: number;
  /** It is a pull request, not a plain issue (which gets no preview comment). */
  pullRequest: boolean;
  commentId: number;
  /** The commenter; null when the account is gone. */
  login: string | null;
  /** The command as written, its words joined by single spaces. */
  text: string;
  /** Why it is refused before anything is checked (not a pull request, not a command); null: to be checked. */
  refusal: string | null;
}

/** A command as the store keeps it. */
export interface CommandRecord extends Omit<CommandNote, 'refusal'> {
  state: CommandState;
  /** What was done, or why it was refused or failed; null while received. */
  outcome: string | null;
  /** The last reaction posted on its comment; null before the first. */
  reaction: CommandReaction | null;
  /** The delivery that brought it. */
  deliveryId: string;
  receivedAt: number;
  decidedAt: number | null;
}

/** The reaction a decided command ends with. */
export const finalReaction = (state: Exclude<CommandState, 'received'>): CommandReaction => (state === 'done' ? 'rocket' : 'confused');
