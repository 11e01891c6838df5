import type { Context } from 'hono';
import type { FieldValue } from '../db/schema.ts';
import { AppError, emptyFieldErrors } from '../errors.ts';
import { checkJsonCounts, MAX_ARRAY_ITEMS, MAX_FIELDS, MAX_PAIRS, occursMoreThan, tooMany } from './field-count.ts';

/** The fields of a submission as sent, before validation. A Map, so `__proto__` is just a name. */
export type RawFields = Map<string, FieldValue>;

/** The visitor's address when no `_replyto` is sent: a field named email, in any case (`Email` is common). */
export const isEmailFieldName = (name: string) => name.length === 5 && name.toLowerCase() === 'email';

export type BodyKind = 'urlencoded' | 'multipart' | 'json';

export function bodyKind(contentType: string | undefined): BodyKind | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/json' || type?.endsWith('+json')) return 'json';
  return undefined;
}

const normaliseBreaks = (text: string) => text.replace(/\r\n?/g, '\n');

// Line breaks and control characters in a name could masquerade as structure in the mail.
const BAD_NAME = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

function checkNames(names: Iterable<string>): void {
  const bad = [...names].filter((name) => BAD_NAME.test(name) || name.length > 200);
  if (bad.length === 0) return;
  const fields = emptyFieldErrors();
  for (const name of bad)
    fields[name.slice(0, 200)] = ['Field names cannot contain line breaks or control characters, or exceed 200 characters'];
  throw new AppError('validation', 'Some fields are not valid', { fields });
}

/** Name/value pairs from a form post: `name[]` and repeated names become arrays, in the order sent. */
function fromPairs(pairs: Iterable<[string, string]>): RawFields {
  const fields: RawFields = new Map();
  let count = 0;
  for (const [rawName, value] of pairs) {
    if (++count > MAX_PAIRS) tooMany();
    const isList = rawName.endsWith('[]');
    const name = isList ? rawName.slice(0, -2) : rawName;
    const text = normaliseBreaks(value);
    const existing = fields.get(name);
    if (existing === undefined) {
      fields.set(name, isList ? [text] : text);
      if (fields.size > MAX_FIELDS) tooMany();
    } else if (Array.isArray(existing)) {
      if (existing.length >= MAX_ARRAY_ITEMS) tooMany();
      existing.push(text);
    } else {
      fields.set(name, [existing, text]);
    }
  }
  checkNames(fields.keys());
  return fields;
}

function fromJson(text: string): RawFields {
  checkJsonCounts(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('bad_request', 'The JSON body must be an object of fields');
  }
  const entries = Object.entries(body);
  if (entries.length > MAX_FIELDS) tooMany();
  const fields: RawFields = new Map();
  const refused = emptyFieldErrors();
  const primitive = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  // JSON.parse reads 1e999 as Infinity, which would be stored as null: not "as sent".
  const finite = (v: unknown) => typeof v !== 'number' || Number.isFinite(v);
  const clean = (v: string | number | boolean) => (typeof v === 'string' ? normaliseBreaks(v) : v);
  for (const [rawName, value] of entries) {
    // `name[]` means a list here too, as in a form post.
    const isList = rawName.endsWith('[]');
    const name = isList ? rawName.slice(0, -2) : rawName;
    if (value === null) fields.set(name, isList ? [] : '');
    else if (!(Array.isArray(value) ? value.every(finite) : finite(value)))
      refused[rawName] = ['A number this large cannot be stored; send it as text'];
    else if (primitive(value)) fields.set(name, isList ? [clean(value as string)] : clean(value as string));
    else if (Array.isArray(value) && value.length <= MAX_ARRAY_ITEMS && value.every(primitive)) fields.set(name, value.map(clean));
    else refused[rawName] = ['Send text, a number, a boolean or a list of those; nested objects are not accepted'];
  }
  if (Object.keys(refused).length > 0) throw new AppError('validation', 'Some fields are not valid', { fields: refused });
  checkNames(fields.keys());
  return fields;
}

/** FormData parses every part before the first is counted: parts are counted first, by their delimiters. */
async function multipartForm(c: Context): Promise<FormData> {
  const contentType = c.req.header('content-type')!;
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const bytes = await c.req.arrayBuffer();
  // A delimiter opens each part and one more closes the body; ASCII survives any decoding.
  if (boundary && occursMoreThan(new TextDecoder().decode(bytes), `--${boundary[1] ?? boundary[2]}`, MAX_PAIRS + 1)) tooMany();
  return new Response(bytes, { headers: { 'content-type': contentType } }).formData();
}

/** Reads the body once, by its declared type. The body limit has already been enforced. */
export async function readFields(c: Context): Promise<RawFields> {
  const kind = bodyKind(c.req.header('content-type'));
  if (!kind) {
    throw new AppError('unsupported_media_type', 'Send application/x-www-form-urlencoded, multipart/form-data or application/json');
  }
  if (kind === 'json') return fromJson(await c.req.text());
  if (kind === 'urlencoded') {
    const text = await c.req.text();
    // URLSearchParams splits the whole body before the first pair is counted.
    if (occursMoreThan(text, '&', MAX_PAIRS)) tooMany();
    return fromPairs(new URLSearchParams(text));
  }
  let form: FormData;
  try {
    form = await multipartForm(c);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('bad_request', 'The multipart body is malformed');
  }
  const pairs: [string, string][] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') pairs.push([name, value]);
    // An optional file input left empty arrives as a nameless empty part: nothing was uploaded.
    else if (value.size > 0 || value.name !== '') {
      throw new AppError('unsupported_media_type', `File uploads are not supported yet (field "${name}")`);
    }
  }
  return fromPairs(pairs);
}
