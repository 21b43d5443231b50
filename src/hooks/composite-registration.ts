/**
 * Composite hooks from code: `engine.hooks.register(compositeHook({ id, at, mode: 'vote', threshold,
 * hooks: [...] }, engine))`. Children are ordinary registrations; each keeps its own breaker.
 */
import type { CompositeMode } from './composites.js';
import type { HookRegistration } from './types.js';

export interface CompositeRegistration extends Omit<HookRegistration, 'run'> {
  mode: CompositeMode;
  /** For `vote`: fraction of children that must agree, in (0, 1]. @default 0.5 */
  threshold?: number;
  hooks: HookRegistration[];
}

/** Marks a registration as composite; the registry builds its children when it is registered. */
export function compositeHook(spec: CompositeRegistration): HookRegistration & { composite: CompositeRegistration } {
  return {
    ...spec,
    composite: spec,
    run: () => {
      throw new Error('composite hooks are run by the registry, not called directly');
    },
  };
}
