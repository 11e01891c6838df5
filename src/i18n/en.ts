/**
 * English, the reference catalogue: its keys are the list every language must carry.
 * Keys are `area.name`; `{name}` marks a value filled in at run time.
 */
export const en = {
  'mail.newSubmissionTo': 'New submission to {form}',
  'mail.defaultSubject': 'New submission: {form}',
  'mail.received': 'Submission {id}, received {time}',
  'mail.viewIt': 'View it: {link}',
  'mail.viewInAdmin': 'View in Formharbor',
  'mail.field': 'Field',
  'mail.value': 'Value',
  'mail.captchaUnchecked': 'The captcha could not be checked ({reason}).',
} as const;

export type MessageKey = keyof typeof en;
