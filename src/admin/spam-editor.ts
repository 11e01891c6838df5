import type { Form } from '../db/schema.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import { say, type Translate } from '../i18n/index.ts';
import { settleForm, type FormInput, type FormInputAsSent } from '../forms/definition.ts';

// The editor's "Spam" and "Retention" boxes: the same settings the API takes under "spam",
// "retentionDays" and "spamRetentionDays", as text boxes.

const SPAM_BOXES = [
  'captchaProvider',
  'captchaSiteKey',
  'captchaSecret',
  'captchaMinScore',
  'minSeconds',
  'maxLinks',
  'blockedWords',
  'blockedEmailDomains',
  'blockedIps',
  'formLimit',
  'retentionDays',
  'spamRetentionDays',
] as const;
export type SpamBox = (typeof SPAM_BOXES)[number];

export const NO_SPAM_BOXES = { ...Object.fromEntries(SPAM_BOXES.map((box) => [box, ''])), spamRetentionDays: '30' } as Record<
  SpamBox,
  string
>;

// One entry per line (commas also separate); spaces inside an entry stay, so its error names it whole.
export const listOf = (value: string) =>
  value
    .split(/[\r\n,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);

const lines = (value: string) =>
  value
    .split(/[\r\n]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);

/** The secret never goes back into the page: an empty box keeps it. */
export const spamBoxesOf = (form: Form): Record<SpamBox, string> => ({
  captchaProvider: form.spam.captcha?.provider ?? '',
  captchaSiteKey: form.spam.captcha?.siteKey ?? '',
  captchaSecret: '',
  captchaMinScore: form.spam.captcha?.minScore?.toString() ?? '',
  minSeconds: form.spam.minSeconds ? String(form.spam.minSeconds) : '',
  maxLinks: form.spam.maxLinks?.toString() ?? '',
  blockedWords: form.spam.blockedWords.join('\n'),
  blockedEmailDomains: form.spam.blockedEmailDomains.join('\n'),
  blockedIps: form.spam.blockedIps.join('\n'),
  formLimit: form.spam.formLimit ?? '',
  retentionDays: form.retentionDays?.toString() ?? '',
  spamRetentionDays: String(form.spamRetentionDays),
});

/** A number box: empty is `empty`; text that is not a number stays text, so zod names the box. */
const numberOr = <T>(text: string, empty: T): number | string | T =>
  text.trim() === '' ? empty : Number.isNaN(Number(text)) ? text : Number(text);

/** Blocked words are one per line only: a phrase may hold a comma. */
export const spamLists = (values: Record<SpamBox, string>) => ({
  blockedWords: lines(values.blockedWords),
  blockedEmailDomains: listOf(values.blockedEmailDomains),
  blockedIps: listOf(values.blockedIps),
});

export function spamInputOf(values: Record<SpamBox, string>): Pick<FormInputAsSent, 'spam' | 'retentionDays' | 'spamRetentionDays'> {
  const captcha = values.captchaProvider
    ? {
        provider: values.captchaProvider,
        siteKey: values.captchaSiteKey,
        secret: values.captchaSecret,
        ...(values.captchaMinScore.trim() && { minScore: numberOr(values.captchaMinScore, undefined) }),
      }
    : null;
  return {
    spam: {
      captcha,
      minSeconds: numberOr(values.minSeconds, 0),
      maxLinks: numberOr(values.maxLinks, null),
      ...spamLists(values),
      formLimit: values.formLimit.trim() || null,
    } as FormInputAsSent['spam'],
    retentionDays: numberOr(values.retentionDays, null) as number | null,
    spamRetentionDays: numberOr(values.spamRetentionDays, 30) as number,
  };
}

/** Which box a zod issue belongs to: `spam.captcha.siteKey` → captchaSiteKey, `spam.blockedIps.2` → blockedIps 2. */
export function spamBoxPath(path: string[]): string[] {
  if (path[0] !== 'spam') return path;
  if (path[1] === 'captcha') return [`captcha${(path[2] ?? 'provider').replace(/^./, (c) => c.toUpperCase())}`];
  return path.slice(1);
}

/** The editor's input ready for storage, or the secret box's message when a captcha has no secret yet. */
export function settleEditorInput(input: FormInputAsSent, t: Translate, stored?: Form): { input?: FormInput; errors?: FieldErrors } {
  try {
    return { input: settleForm(input, stored) };
  } catch (error) {
    if (!(error instanceof AppError && error.fieldsSaid)) throw error;
    return {
      errors: {
        captchaSecret: Object.values(error.fieldsSaid)
          .flat()
          .map((said) => say(t, said)),
      },
    };
  }
}
