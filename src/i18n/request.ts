import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { isLanguage, pickLanguage, translator, type Language } from './index.ts';

/** The cookie the language switch sets; read on every page, admin and visitors alike. */
export const LANGUAGE_COOKIE = 'lang';

/** The owner's choice (the switch's cookie), else the browser's `Accept-Language`, else English. */
export const languageOf = (c: Context): Language => {
  const chosen = getCookie(c, LANGUAGE_COOKIE);
  return isLanguage(chosen) ? chosen : (pickLanguage(c.req.header('accept-language')) ?? 'en');
};

/** Sets `c.var.lang` and `c.var.t` for every handler and page after it. */
export const languageMiddleware = (): MiddlewareHandler => async (c, next) => {
  const lang = languageOf(c);
  c.set('lang', lang);
  c.set('t', translator(lang));
  // Pages differ by these two: a shared cache must not hand one visitor's language to another.
  c.header('Vary', 'Accept-Language, Cookie', { append: true });
  await next();
};

const YEAR = 365 * 24 * 3600;

/** Remembers a language for a year; Lax, because following a link into the admin should keep it. */
export const rememberLanguage = (c: Context, lang: Language, secure: boolean) =>
  setCookie(c, LANGUAGE_COOKIE, lang, { path: '/', sameSite: 'Lax', httpOnly: true, secure, maxAge: YEAR });
