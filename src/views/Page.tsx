import type { Child, JSXNode } from 'hono/jsx';
import type { Language, Translate } from '../i18n/index.ts';
import { STYLESHEET_PATH } from './style.ts';

type PageProps = {
  lang: Language;
  t: Translate;
  title: string;
  /** Above the main content: the admin's navigation. */
  header?: Child;
  /** Same-origin scripts only (the CSP allows no other): the demo's embed. */
  scripts?: string[];
  narrow?: boolean;
  children?: Child;
};

/** The frame of every page: one stylesheet, a skip link, one `<main>`. JSX escapes every value. */
export function Page({ lang, t, title, header, scripts = [], narrow, children }: PageProps) {
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
        {scripts.map((src) => (
          <script src={src} defer></script>
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          {t('page.skip')}
        </a>
        {header}
        <main id="main" class={narrow ? 'narrow' : undefined}>
          {children}
        </main>
      </body>
    </html>
  );
}

/** A page as the HTML document a browser expects (JSX has no doctype). */
export const documentOf = async (page: JSXNode | string | Promise<string>) => `<!doctype html>\n${await page.toString()}`;
