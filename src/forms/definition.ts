import { z } from 'zod';
import { parseDuration } from '../config-values.ts';
import { defaultSpamSettings, type Form, type SpamSettings } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { languages } from '../i18n/index.ts';
import { isPlainAddress } from './email.ts';
import { FORM_LIMIT_MAX_WINDOW_MS } from './rate-limit.ts';
import { parseRange } from './spam/ips.ts';
import { webhooksInput } from './webhooks.ts';

/** The owner's description of a form, as `/api/forms` and the CLI accept it. */

const fieldTypes = ['text', 'email', 'url', 'tel', 'number', 'textarea', 'checkbox', 'select', 'date'] as const;

const fieldSpec = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, 'letters, digits, _ . - (at most 64)'),
    type: z.enum(fieldTypes),
    required: z.boolean().optional(),
    maxLength: z.number().int().min(1).max(100_000).optional(),
    options: z.array(z.string().min(1).max(200)).min(1).max(200).optional(),
  })
  .refine((f) => f.type !== 'select' || f.options, { message: 'a select field needs options', path: ['options'] });

/**
 * Stored as the browser will send it in `Origin`: lower-case, without a default port, and a
 * non-ASCII host in punycode (`https://bücher.de` arrives as `https://xn--bcher-kva.de`).
 * Anything besides scheme, host and port (a path, a query, a login) is refused, not dropped.
 */
const origin = z.string().transform((text, ctx) => {
  try {
    const url = new URL(text);
    const bare =
      url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !text.includes('?') && !text.includes('#');
    if ((url.protocol === 'http:' || url.protocol === 'https:') && bare) return url.origin;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `"${text}" is not an origin like https://example.com` });
  return z.NEVER;
});

// The URL parser skips tabs, line breaks and outer spaces, but the text is what goes into a
// Location header later, where a line break would fail the visitor's answer after storing.
const httpUrl = z
  .string()
  .max(2048)
  .regex(/^[^\u0000-\u0020\u007f]+$/, 'must not contain spaces, line breaks or control characters')
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an http(s) URL');

const email = z.string().max(254).refine(isPlainAddress, 'must be a plain email address');

/** A list given twice the same entry keeps the first: one address must not get two copies. */
const distinct = (list: string[]) => {
  const seen = new Set<string>();
  return list.filter((item) => !seen.has(item.toLowerCase()) && seen.add(item.toLowerCase()));
};

const providers = ['turnstile', 'hcaptcha', 'recaptcha'] as const;

/** The captcha as written: the secret may be left out (or given as the "set" a read shows) to keep the stored one. */
const captchaInput = z.strictObject({
  provider: z.enum(providers, { error: 'must be turnstile, hcaptcha or recaptcha' }),
  siteKey: z.string().trim().min(1, 'the site key from the provider is required').max(200),
  secret: z
    .string()
    .trim()
    .max(500)
    .optional()
    .transform((secret) => (secret && secret !== 'set' ? secret : undefined)),
  minScore: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
});

const domainName = z
  .string()
  .trim()
  .transform((d) => d.replace(/^@/, '').toLowerCase())
  .refine((d) => /^[^\s@/:]+\.[^\s@/:]+$/.test(d) && URL.canParse(`http://${d}`), 'must be a domain like spam.example');

const formLimit = z
  .string()
  .trim()
  .refine((text) => {
    const match = /^(\d{1,6})\/(.+)$/.exec(text);
    const windowMs = match ? (parseDuration(match[2]!) ?? 0) : 0;
    return !!match && Number(match[1]) >= 1 && windowMs > 0 && windowMs <= FORM_LIMIT_MAX_WINDOW_MS;
  }, 'must be like 100/1h (submissions per window for the whole form, a window of at most 1d)');

/** Every key optional: a create fills in the defaults, a PATCH changes only what it names. */
export const spamInput = z.strictObject({
  captcha: captchaInput.nullable().optional(),
  minSeconds: z.number().int('must be whole seconds').min(0).max(3600, 'must be at most 3600 seconds').optional(),
  maxLinks: z.number().int().min(0, 'must be 0 or more').max(1000).nullable().optional(),
  blockedWords: z.array(z.string().trim().min(1, 'an empty word blocks nothing').max(100)).max(1000).optional(),
  blockedEmailDomains: z.array(domainName).max(1000).optional(),
  blockedIps: z
    .array(
      z
        .string()
        .trim()
        .refine((text) => parseRange(text) !== undefined, 'must be an IP address or a CIDR range like 198.51.100.0/24'),
    )
    .max(1000)
    .optional(),
  formLimit: formLimit.nullable().optional(),
});
export type SpamInput = z.infer<typeof spamInput>;

const oneLineText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\r\n\u0085\u2028\u2029]*$/, 'must be one line');

/** The owner's fixed answer to the visitor; null (the default) sends none. */
const autoReplyInput = z.strictObject({ subject: oneLineText(300), text: z.string().trim().min(1).max(10_000) }).nullable();

const days = z.number().int('must be whole days').min(1, 'must be at least 1 day').max(36_500);

export const formInput = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and - (at most 64)')
    .optional(),
  name: z.string().trim().min(1).max(200),
  recipients: z.array(email).min(1).max(50).transform(distinct),
  allowedOrigins: z.array(origin).max(50).default([]).transform(distinct),
  redirectUrl: httpUrl.nullable().optional(),
  subject: z
    .string()
    .max(300)
    .regex(/^[^\r\n\u2028\u2029]*$/, 'must be one line')
    .nullable()
    .optional(),
  fields: z
    .array(fieldSpec)
    .max(200)
    .refine((fields) => new Set(fields.map((f) => f.name)).size === fields.length, 'field names must be unique')
    .default([]),
  extraFields: z.enum(['keep', 'reject']).default('keep'),
  language: z.enum(languages, { error: `must be one of ${languages.join(', ')}` }).default('en'),
  spam: spamInput.optional(),
  autoReply: autoReplyInput.optional(),
  retentionDays: days.nullable().optional(),
  spamRetentionDays: days.optional(),
});

export const formPatch = formInput
  .omit({ id: true })
  .partial()
  .extend({
    // .partial() keeps defaults; a PATCH must leave unnamed keys alone.
    allowedOrigins: z.array(origin).max(50).transform(distinct).optional(),
    fields: formInput.shape.fields.unwrap().optional(),
    extraFields: z.enum(['keep', 'reject']).optional(),
    language: formInput.shape.language.unwrap().optional(),
  });

// Webhooks have their own API key, CLI flag and admin page (/admin/forms/:id/webhooks): the
// form editor leaves them alone, so saving it never erases them.
export const formInputWithWebhooks = formInput.extend({ webhooks: webhooksInput.default([]) });
export const formPatchWithWebhooks = formPatch.extend({ webhooks: webhooksInput.optional() });

/** As sent: the spam settings possibly partial, a captcha secret possibly left out. */
export type FormInputAsSent = z.infer<typeof formInput>;
export type FormPatchAsSent = z.infer<typeof formPatch>;
/** As stored: the spam settings whole (see settleForm). */
export type FormInput = Omit<FormInputAsSent, 'spam'> & { spam?: SpamSettings };
export type FormPatch = Omit<FormPatchAsSent, 'spam'> & { spam?: SpamSettings };

/**
 * The form's spam settings after `given`: unnamed keys keep their value (or the default), and
 * a captcha without a secret keeps the stored one when there is one for that provider.
 */
export function settleSpam(stored: SpamSettings | undefined, given: SpamInput | undefined): SpamSettings {
  const { captcha, ...rest } = given ?? {};
  const base = stored ?? defaultSpamSettings();
  const merged: SpamSettings = { ...base, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
  if (captcha === null) merged.captcha = null;
  if (captcha) {
    const secret = captcha.secret ?? (base.captcha?.provider === captcha.provider ? base.captcha.secret : undefined);
    if (!secret) {
      const fields = { 'spam.captcha.secret': [`the secret key from ${captcha.provider} is required`] };
      const fieldsSaid = { 'spam.captcha.secret': [{ key: 'issue.captchaSecret' as const, values: { provider: captcha.provider } }] };
      throw new AppError('validation', 'Some fields are not valid', { fields, fieldsSaid });
    }
    const { minScore, ...keys } = captcha;
    merged.captcha = { ...keys, secret, ...(minScore !== undefined && { minScore }) };
  }
  return merged;
}

/** A create or change ready for storage; `stored` is the form being changed. */
export function settleForm<T extends { spam?: SpamInput }>(input: T, stored?: Form): Omit<T, 'spam'> & { spam?: SpamSettings } {
  const { spam, ...rest } = input;
  if (stored && spam === undefined) return rest;
  return { ...rest, spam: settleSpam(stored?.spam, spam) };
}
