import type { Form } from '../../db/schema.ts';
import { embedSnippet } from '../../demo.ts';
import type { Language, Translate } from '../../i18n/index.ts';
import { Page } from '../../views/Page.tsx';

type Props = { lang: Language; t: Translate; publicUrl: string; demo: Form | undefined };

/** `/`: what Formharbor is, and the demo form wired exactly as a site owner would wire it. */
export function DemoPage({ lang, t, publicUrl, demo }: Props) {
  return (
    <Page lang={lang} t={t} title="Formharbor" scripts={['/embed.js']} narrow>
      <h1>Formharbor</h1>
      <p>
        {t('demo.intro')} <a href="/admin">{t('demo.admin')}</a>
      </p>
      {demo ? (
        <>
          <h2>{t('demo.try', { form: demo.name })}</h2>
          <form action={`/f/${demo.id}`} method="post" class="stack">
            <div>
              <label for="name">{t('demo.name')}</label>
              <input id="name" name="name" required autocomplete="name" />
            </div>
            <div>
              <label for="email">{t('demo.email')}</label>
              <input id="email" name="email" type="email" required autocomplete="email" />
            </div>
            <div>
              <label for="message">{t('demo.message')}</label>
              <textarea id="message" name="message" rows={5} required></textarea>
            </div>
            <div>
              <button type="submit">{t('demo.send')}</button>
            </div>
          </form>
          <h2>{t('demo.embed')}</h2>
          <pre>
            <code>{embedSnippet(publicUrl, demo.id)}</code>
          </pre>
        </>
      ) : (
        <p class="muted">{t('demo.none')}</p>
      )}
    </Page>
  );
}
