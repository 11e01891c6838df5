import { languages, type Language } from '../../i18n/index.ts';
import { CsrfField, type AdminUi } from './ui.tsx';

/** Each language named in itself, so a reader who cannot read the current one still finds theirs. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-TW': '繁體中文', de: 'Deutsch' };

const SECTIONS = [
  ['/admin', 'nav.forms'],
  ['/admin/deliveries', 'nav.deliveries'],
  ['/admin/mail', 'nav.mail'],
  ['/admin/settings', 'nav.settings'],
  ['/admin/erase', 'nav.erase'],
] as const;

/**
 * The language switch: a plain POST form, so it needs no script; no other site can flip it (the
 * origin check, and once signed in the page's CSRF token).
 */
export function LanguageSwitch({ ui }: { ui: AdminUi }) {
  return (
    <form method="post" action="/admin/language" aria-label={ui.t('nav.language')}>
      {ui.token && <CsrfField token={ui.token} />}
      <input type="hidden" name="back" value={ui.path} />
      {languages.map((lang) => (
        <button type="submit" class="quiet" name="lang" value={lang} lang={lang} aria-pressed={lang === ui.lang ? 'true' : 'false'}>
          {LANGUAGE_NAMES[lang]}
        </button>
      ))}
    </form>
  );
}

/** The admin's header: the sections once signed in (`ui.token`), the language switch always. */
export function Nav({ ui, current }: { ui: AdminUi; current?: string }) {
  const { t } = ui;
  return (
    <header class="site">
      <div class="site-inner">
        <a class="brand" href="/admin">
          Formharbor
        </a>
        {ui.token && (
          <nav aria-label={t('nav.label')}>
            <ul>
              {SECTIONS.map(([href, key]) => (
                <li>
                  <a href={href} aria-current={current === href ? 'page' : undefined}>
                    {t(key)}
                  </a>
                  {href === '/admin' && !!ui.unread && (
                    <>
                      {' '}
                      <span class="badge unread-count">{t('unread.navCount', { n: ui.unread })}</span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="tools">
          <LanguageSwitch ui={ui} />
          {ui.token && (
            <form method="post" action="/admin/logout">
              <CsrfField token={ui.token} />
              <button type="submit" class="quiet">
                {t('nav.signOut')}
              </button>
            </form>
          )}
        </div>
      </div>
    </header>
  );
}
