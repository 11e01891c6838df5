import { z } from 'zod';
import type { FieldSpec, FieldValue, Form, SubmissionData } from '../db/schema.ts';
import { emptyFieldErrors, type FieldErrors } from '../errors.ts';
import { isPlainAddress } from './email.ts';
import { isEmailFieldName, type RawFields } from './parse.ts';

const DEFAULT_MAX_LENGTH = { textarea: 20_000, other: 2_000 } as const;
// public/embed.js (SERVER_TEXTS) recognises the messages below by their first words to show
// them in the page's language: reword one here, and its pattern there changes with it.

/** Fields the owner did not declare are kept, within this size. */
const EXTRA_MAX_LENGTH = 20_000;

const isEmpty = (value: FieldValue | undefined) =>
  value === undefined ||
  value === false ||
  (typeof value === 'string' && value.trim() === '') ||
  (Array.isArray(value) && value.length === 0);

/** A real calendar day: 2024-02-30 parses in JavaScript (as March 1st), so compare the round trip. */
const isCalendarDate = (v: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString().slice(0, 10) === v;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const text = (max: number) =>
  z
    .union([z.string(), z.number(), z.boolean()], { error: 'Send a single value' })
    .transform(String)
    .pipe(z.string().max(max, `At most ${max} characters`));

const PHONE = /^\+?[0-9 ().\-/]{3,}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$/i;

const isHttpUrl = (value: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** The zod schema of one declared field's non-empty value. */
function fieldSchema(spec: FieldSpec): z.ZodType {
  const max = spec.maxLength ?? (spec.type === 'textarea' ? DEFAULT_MAX_LENGTH.textarea : DEFAULT_MAX_LENGTH.other);
  const options = spec.options ?? [];
  // Length caps run before any pattern, so hostile input is rejected in linear time.
  switch (spec.type) {
    case 'email':
      return text(Math.min(max, 254)).refine(isPlainAddress, 'Enter a valid email address');
    case 'url':
      return text(Math.min(max, 2048)).refine(isHttpUrl, 'Enter a URL starting with http:// or https://');
    case 'tel':
      return text(Math.min(max, 64)).refine((v) => PHONE.test(v), 'Enter a valid phone number');
    case 'number':
      return z.union([z.number(), text(64).refine((v) => DECIMAL.test(v.trim()) && Number.isFinite(Number(v)), 'Enter a number')]);
    case 'date':
      return text(10).refine(isCalendarDate, 'Enter a date as YYYY-MM-DD');
    case 'checkbox':
      return z.union([z.boolean(), text(max), z.array(text(max)).max(200)]);
    case 'select': {
      const option = text(max).refine((v) => options.includes(v), `Choose one of: ${options.join(', ')}`);
      return z.union([option, z.array(option).min(1).max(options.length)]);
    }
    default:
      return text(max);
  }
}

type CompiledField = { spec: FieldSpec; schema: z.ZodType };
const compiled = new WeakMap<Pick<Form, 'fields'>, CompiledField[]>();

/**
 * Each declared field with its zod schema, built once per form object (building costs more
 * than parsing). Fields are checked one by one rather than through a z.object, whose wrapper
 * ran zod twice per field.
 */
function compiledFields(form: Pick<Form, 'fields'>): CompiledField[] {
  let fields = compiled.get(form);
  if (!fields) compiled.set(form, (fields = form.fields.map((spec) => ({ spec, schema: fieldSchema(spec) }))));
  return fields;
}

export type Validated = { ok: true; data: SubmissionData } | { ok: false; fields: FieldErrors };

/** Checks every field against the form; returns the data to store or every message, per field. */
export function validateFields(form: Pick<Form, 'fields' | 'extraFields'>, fields: RawFields): Validated {
  const declared = new Set(form.fields.map((f) => f.name));
  const errors = emptyFieldErrors();
  for (const { spec, schema } of compiledFields(form)) {
    const value = fields.get(spec.name);
    // Empty optional values skip the type check.
    if (isEmpty(value)) {
      if (spec.required) errors[spec.name] = ['This field is required'];
      continue;
    }
    const issues = schema.safeParse(value).error?.issues;
    if (issues?.length) errors[spec.name] = issues.map((issue) => issue.message);
  }

  for (const [name, value] of fields) {
    if (declared.has(name)) continue;
    if (form.extraFields === 'reject') errors[name] = ['This form does not accept this field'];
    else if ((Array.isArray(value) ? value : [value]).some((v) => String(v).length > EXTRA_MAX_LENGTH)) {
      errors[name] = [`At most ${EXTRA_MAX_LENGTH} characters`];
    } else if (isEmailFieldName(name) && !isEmpty(value) && !(typeof value === 'string' && isPlainAddress(value))) {
      // An undeclared `email` still becomes the Reply-To, so it must be a real address.
      errors[name] = ['Enter a valid email address'];
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, fields: errors };
  // Object.fromEntries defines own properties, so a field named __proto__ stays a field.
  return { ok: true, data: Object.fromEntries(fields) };
}
