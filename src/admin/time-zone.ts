import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { getSetting, setSetting } from '../db/settings.ts';
import type { Language } from '../i18n/index.ts';

// The owner's time zone: a setting (the admin's settings page), else the one the request
// reveals (Cloudflare tells a Worker the visitor's zone; a plain browser sends none), else UTC.

const SETTING = 'admin.timeZone';

export const isTimeZone = (value: unknown): value is string => {
  if (typeof value !== 'string' || value === '' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

/** The zones the settings page offers; UTC first, where Intl lists it only as an alias. */
export const timeZones = () => ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];

/** The zone the browser's connection reveals, where the runtime knows it (Workers' `request.cf.timezone`). */
const requestTimeZone = (c: Context) => (c.req.raw as Request & { cf?: { timezone?: unknown } }).cf?.timezone;

export type ZoneSource = 'setting' | 'connection' | 'default';

export async function ownerTimeZone<E extends AppEnv>(c: Context<E>): Promise<{ zone: string; source: ZoneSource }> {
  const stored = await getSetting(c.var.deps.db, SETTING);
  if (isTimeZone(stored)) return { zone: stored, source: 'setting' };
  const revealed = requestTimeZone(c);
  return isTimeZone(revealed) ? { zone: revealed, source: 'connection' } : { zone: 'UTC', source: 'default' };
}

export const saveTimeZone = <E extends AppEnv>(c: Context<E>, zone: string) => setSetting(c.var.deps.db, SETTING, zone);

/** Intl's name for each language: British English writes "5 Dec 2026", not the US month-first order. */
const LOCALES: Record<Language, string> = { en: 'en-GB', 'zh-TW': 'zh-TW', de: 'de-DE' };

/** A moment as the owner reads it: their language's date order, their zone, a 24-hour clock. */
export function timeFormatter(lang: Language, timeZone: string): (ms: number | null) => string {
  const format = new Intl.DateTimeFormat(LOCALES[lang], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone,
  });
  return (ms) => (ms === null ? '—' : format.format(ms));
}
