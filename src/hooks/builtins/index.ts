/** Registry of built-in hooks by name (`use:` in YAML, `engine.use()` in code). */
import type { BuiltinFactory } from './types.js';

export const BUILTIN_HOOKS: ReadonlyMap<string, BuiltinFactory> = new Map<string, BuiltinFactory>([]);
