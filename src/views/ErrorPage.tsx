import type { FieldErrors } from '../errors.ts';
import type { Language, Translate } from '../i18n/index.ts';
import { Page } from './Page.tsx';

type Props = { lang: Language; t: Translate; status: number; message: string; fields?: FieldErrors; forOwner: boolean };

/** An error as a page: for the owner it leads back to the admin, for a visitor back to their form. */
export function ErrorPage({ lang, t, status, message, fields = {}, forOwner }: Props) {
  const details = Object.entries(fields);
  return (
    <Page lang={lang} t={t} title={t('error.title', { status })} narrow>
      <h1>{forOwner ? t('error.ownerHeading') : t('error.visitorHeading')}</h1>
      <p class="error">{message}</p>
      {details.length > 0 && (
        <ul class="error">
          {details.map(([name, messages]) => (
            <li>
              <strong>{name}</strong>: {messages.join(' ')}
            </li>
          ))}
        </ul>
      )}
      {forOwner ? (
        <p>
          <a href="/admin">{t('error.back')}</a>
        </p>
      ) : (
        <p>{t('error.visitorBack')}</p>
      )}
    </Page>
  );
}
