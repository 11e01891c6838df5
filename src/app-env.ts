import type { Deps } from './deps.ts';
import type { Language, Translate } from './i18n/index.ts';

/**
 * The Hono environment shared by every sub-app: dependencies travel on the context, and so
 * does the language this request is answered in (see src/i18n/request.ts).
 */
export type AppEnv = { Variables: { deps: Deps; lang: Language; t: Translate } };
