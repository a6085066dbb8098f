import type { Store } from '../store/store.js';

/** The Store methods that change deployments. */
const DEPLOYMENT_WRITES: ReadonlySet<PropertyKey> = new Set<keyof Store>([
  'beginDeployment',
  'startDeployment',
  'completeDeployment',
  'completeDestroy',
  'interruptDeployments',
  'takeOverDeployments',
]);

/** The store, calling `changed` after each write to deployments succeeds (so the reporter looks at once). */
export function notifyingStore(store: Store, changed: () => void): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || !DEPLOYMENT_WRITES.has(key)) return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...params: unknown[]) => Promise<unknown>).apply(target, args);
        changed();
        return result;
      };
    },
  });
}
