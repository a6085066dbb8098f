import type { TestContext } from 'node:test';
import type { Store } from '../../../src/store/store.js';

/** Opens an empty store for one test and closes it when the test ends. */
export type StoreFactory = (t: TestContext) => Promise<Store>;
