import { z } from 'zod';
import { isPlainAddress } from './email.ts';
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
});

export const formPatch = formInput
  .omit({ id: true })
  .partial()
  .extend({
    // .partial() keeps defaults; a PATCH must leave unnamed keys alone.
    allowedOrigins: z.array(origin).max(50).transform(distinct).optional(),
    fields: formInput.shape.fields.unwrap().optional(),
    extraFields: z.enum(['keep', 'reject']).optional(),
  });

// Webhooks are set through the API only for now: the admin editor and the CLI leave them alone
// (an editor without the field must not erase them on save).
export const formInputWithWebhooks = formInput.extend({ webhooks: webhooksInput.default([]) });
export const formPatchWithWebhooks = formPatch.extend({ webhooks: webhooksInput.optional() });

export type FormInput = z.infer<typeof formInput>;
export type FormPatch = z.infer<typeof formPatch>;
