import type { SpamBox } from '../spam-editor.ts';
import type { BoxHelpers } from './boxes.tsx';
import type { AdminUi } from './ui.tsx';

type Props = { ui: AdminUi; values: Record<SpamBox, string>; boxes: BoxHelpers; hasSecret: boolean };

/** The editor's "Spam" and "Retention" boxes: the settings the API takes under "spam", "retentionDays", "spamRetentionDays". */
export function SpamFieldset({ ui, values, boxes: { Problem, described }, hasSecret }: Props) {
  const { t } = ui;
  const Input = ({ box, label }: { box: SpamBox; label: string }) => (
    <>
      <label for={box}>{label}</label>
      <input id={box} name={box} value={values[box]} {...described(box)} />
      <Problem box={box} />
    </>
  );
  const Area = ({ box, label }: { box: SpamBox; label: string }) => (
    <>
      <label for={box}>{label}</label>
      <textarea id={box} name={box} rows={3} {...described(box)}>
        {values[box]}
      </textarea>
      <Problem box={box} />
    </>
  );
  const providers = [
    ['', t('spam.none')],
    ['turnstile', 'Cloudflare Turnstile'],
    ['hcaptcha', 'hCaptcha'],
    ['recaptcha', 'Google reCAPTCHA (v2 / v3)'],
  ];
  return (
    <>
      <fieldset>
        <legend>{t('spam.legend')}</legend>
        <label for="captchaProvider">{t('spam.captcha')}</label>
        <select id="captchaProvider" name="captchaProvider" {...described('captchaProvider')}>
          {providers.map(([value, label]) => (
            <option value={value} selected={values.captchaProvider === value}>
              {label}
            </option>
          ))}
        </select>
        <Problem box="captchaProvider" />
        <Input box="captchaSiteKey" label={t('spam.siteKey')} />
        <label for="captchaSecret">{hasSecret ? t('spam.secretSet') : t('spam.secret')}</label>
        <input id="captchaSecret" name="captchaSecret" type="password" autocomplete="off" value="" {...described('captchaSecret')} />
        <Problem box="captchaSecret" />
        <Input box="captchaMinScore" label={t('spam.minScore')} />
        <Input box="minSeconds" label={t('spam.minSeconds')} />
        <Input box="maxLinks" label={t('spam.maxLinks')} />
        <Area box="blockedWords" label={t('spam.blockedWords')} />
        <Area box="blockedEmailDomains" label={t('spam.blockedEmailDomains')} />
        <Area box="blockedIps" label={t('spam.blockedIps')} />
        <Input box="formLimit" label={t('spam.formLimit')} />
      </fieldset>
      <fieldset>
        <legend>{t('retention.legend')}</legend>
        <Input box="retentionDays" label={t('retention.days')} />
        <Input box="spamRetentionDays" label={t('retention.spamDays')} />
      </fieldset>
    </>
  );
}
