import type { Messages } from './index.ts';

/** Deutsch. */
export const de: Messages = {
  'mail.newSubmissionTo': 'Neue Nachricht über {form}',
  'mail.defaultSubject': 'Neue Nachricht: {form}',
  'mail.received': 'Nachricht {id}, eingegangen {time}',
  'mail.viewIt': 'Ansehen: {link}',
  'mail.viewInAdmin': 'In Formharbor ansehen',
  'mail.field': 'Feld',
  'mail.value': 'Inhalt',
  'mail.captchaUnchecked': 'Das Captcha konnte nicht geprüft werden ({reason}).',
};
