import * as z from 'zod';
import { strict, uniqueList } from './fields.js';

/** Deployment states, as GitHub names them, that can send an environment back to its last good deployment. */
export const ROLLBACK_STATES = ['failure', 'error'] as const;
export type RollbackState = (typeof ROLLBACK_STATES)[number];

export interface RollbackConfig {
  /** The states that roll back. */
  on: RollbackState[];
}

/** `rollback: {}` rolls back on every state there is (environments.ts makes an empty `rollback:` mean that too). */
export const rollbackSchema = strict({
  on: uniqueList(z.enum(ROLLBACK_STATES), 'must not be an empty list; remove rollback to never roll back').default([...ROLLBACK_STATES]),
}).transform(({ on }): RollbackConfig => ({ on }));
