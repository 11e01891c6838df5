import type { Deps } from './deps.ts';

/** The Hono environment shared by every sub-app: dependencies travel on the context. */
export type AppEnv = { Variables: { deps: Deps } };
