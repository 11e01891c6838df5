import type { z } from 'zod';
import type { MessageKey, Said } from './index.ts';

// The schemas' own messages are the API's English (CONTRACT.md); pages say the same in the
// reader's language from the issue's code and place. Not through zod's per-parse error map:
// a message written on the schema wins over it, and most of ours are.

/** A format or rule that only one place has: named by the field the issue is about. */
const BY_PLACE: Record<string, MessageKey> = {
  recipients: 'issue.email',
  email: 'issue.email',
  to: 'issue.email',
  allowedOrigins: 'issue.origin',
  redirectUrl: 'issue.httpUrl',
  url: 'issue.url',
  subject: 'issue.oneLine',
  id: 'issue.id',
  fields: 'issue.uniqueNames',
  name: 'issue.fieldName',
  options: 'issue.selectOptions',
  blockedEmailDomains: 'issue.domain',
  blockedIps: 'issue.ip',
  formLimit: 'issue.formLimit',
  timeZone: 'issue.timeZone',
};

/** Boxes to tick and choices to make: one thing can be wrong with them, said the way the page asks. */
const WHOLE_PLACE: Record<string, MessageKey> = { ids: 'issue.tickOne', action: 'issue.chooseAction', confirm: 'issue.confirm' };

const COUNTED: Partial<Record<string, { small: MessageKey; big: MessageKey }>> = {
  string: { small: 'issue.tooShort', big: 'issue.tooLong' },
  number: { small: 'issue.atLeast', big: 'issue.atMost' },
  array: { small: 'issue.tooFew', big: 'issue.tooMany' },
};

/** The issue in catalogue words: its code and numbers first, the place for a format only that place has. */
export function issueSaid(issue: z.core.$ZodIssue): Said {
  const place = issue.path.filter((part) => typeof part === 'string').at(-1) ?? '';
  if (WHOLE_PLACE[place] && issue.code !== 'too_big') return { key: WHOLE_PLACE[place] };
  switch (issue.code) {
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string' && n === 1) return { key: 'issue.required' };
      const key = COUNTED[issue.origin]?.small;
      return key ? { key, values: { n } } : { key: 'issue.invalid' };
    }
    case 'too_big': {
      const key = COUNTED[issue.origin]?.big;
      return key ? { key, values: { n: Number(issue.maximum) } } : { key: 'issue.invalid' };
    }
    case 'invalid_type':
      if (issue.expected === 'int') return { key: 'issue.whole' };
      return { key: issue.expected === 'number' ? 'issue.number' : 'issue.required' };
    case 'invalid_value':
      return { key: 'issue.oneOf', values: { values: issue.values.map(String).join(', ') } };
    default:
      // A regex or a refine: what it checks depends on where it is.
      return { key: BY_PLACE[place] ?? 'issue.invalid' };
  }
}
