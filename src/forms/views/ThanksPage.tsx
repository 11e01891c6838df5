import type { Language, Translate } from '../../i18n/index.ts';
import { Page } from '../../views/Page.tsx';

export function ThanksPage({ lang, t, formName }: { lang: Language; t: Translate; formName: string }) {
  return (
    <Page lang={lang} t={t} title={t('thanks.title')} narrow>
      <h1>{t('thanks.title')}</h1>
      <p>{t('thanks.body', { form: formName })}</p>
    </Page>
  );
}
