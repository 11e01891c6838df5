import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.ts';
import type { Language, Translate } from '../../i18n/index.ts';
import { displayValue, visibleControls } from '../../mail/render.ts';
import { timeFormatter } from '../time-zone.ts';

/** What every admin page needs from its request: the language, the CSRF token, this page's address, how to show a time. */
export type AdminUi = {
  lang: Language;
  t: Translate;
  /** The session's CSRF token; absent on the sign-in page. */
  token?: string;
  /** This page's path and query, where the language switch comes back to. */
  path: string;
  when: (ms: number | null) => string;
  /** New submissions in every inbox, for the nav; counted only on signed-in pages. */
  unread?: number;
};

export function adminUi<E extends AppEnv>(c: Context<E>): AdminUi {
  const url = new URL(c.req.url);
  // Set by the session check (the owner's time zone and the new-mail count too); the sign-in page runs before it.
  const { csrfToken: token, timeZone = 'UTC', unread } = c.var as { csrfToken?: string; timeZone?: string; unread?: number };
  return { lang: c.var.lang, t: c.var.t, token, path: url.pathname + url.search, when: timeFormatter(c.var.lang, timeZone), unread };
}

/** Text someone else wrote: isolated from its neighbours, its direction controls made visible. */
export const Theirs = ({ value }: { value: unknown }) => <bdi>{visibleControls(displayValue(value))}</bdi>;

export const CsrfField = ({ token }: { token?: string }) => <input type="hidden" name="_csrf" value={token ?? ''} />;
