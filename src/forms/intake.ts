import type { Deps } from '../deps.ts';
import type { Form, Submission, SubmissionMeta } from '../db/schema.ts';
import { findByIdempotencyKey, submissionInsert } from '../db/submissions.ts';
import { HttpError, isUniqueViolation } from '../errors.ts';
import { sha256, ulid } from '../ids.ts';
import { newDelivery, type Outbox } from '../mail/outbox.ts';
import { oneLine } from '../mail/render.ts';
import { isPlainAddress } from './email.ts';
import type { RawFields } from './parse.ts';
import { validateFields } from './validate.ts';

/** Formspree-compatible control fields: read, never stored as data. */
const MAGIC_FIELDS = ['_replyto', '_subject', '_next', '_gotcha', '_idempotency'] as const;
type Magic = Partial<Record<(typeof MAGIC_FIELDS)[number], string>>;

export type Visit = {
  idempotencyHeader: string | undefined;
  ipHash: string | undefined;
  userAgent: string | undefined;
  page: string | undefined;
  /** Where an HTML answer should send the visitor, chosen by the route from `_next` and the form. */
  redirectFor: (next: string | undefined) => string;
};

export type Accepted = { id: string; redirect: string };

function takeMagic(fields: RawFields): Magic {
  const magic: Magic = {};
  for (const name of MAGIC_FIELDS) {
    const value = fields.get(name);
    fields.delete(name);
    if (value !== undefined) magic[name] = String(Array.isArray(value) ? (value[0] ?? '') : value);
  }
  return magic;
}

function idempotencyKey(header: string | undefined, field: string | undefined): string | undefined {
  const key = (header ?? field)?.trim();
  if (!key) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new HttpError('bad_request', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return key;
}

function replay(existing: Submission, bodyHash: string | null): Accepted {
  if (existing.bodyHash !== bodyHash) {
    throw new HttpError('idempotency_conflict', 'This Idempotency-Key was already used for a different submission');
  }
  return { id: existing.id, redirect: existing.meta.redirect ?? '' };
}

/**
 * Validates and stores a submission with its notification in one atomic batch, and only
 * then answers: an acknowledged submission is on disk. A repeat of the same key gets the
 * first answer; the database's unique index settles races between concurrent repeats.
 */
export async function acceptSubmission(deps: Deps, outbox: Outbox, form: Form, fields: RawFields, visit: Visit): Promise<Accepted> {
  const magic = takeMagic(fields);
  const key = idempotencyKey(visit.idempotencyHeader, magic._idempotency);
  const { _idempotency: _, ...hashedMagic } = magic;
  // Only a keyed request can be replayed, so only then is the body fingerprinted.
  const bodyHash = key ? sha256(JSON.stringify([[...fields], hashedMagic])) : null;
  // A retry of a stored submission gets its first answer even if the form's rules changed since.
  if (key) {
    const existing = await findByIdempotencyKey(deps.db, form.id, key);
    if (existing) return replay(existing, bodyHash);
  }

  const validated = validateFields(form, fields);
  // `_replyto` wins; otherwise a field named `email` is the Reply-To (validated like one).
  const replyTo = magic._replyto?.trim() || fields.get('email');
  if (magic._replyto?.trim() && !isPlainAddress(magic._replyto.trim())) {
    const errors = validated.ok ? {} : validated.fields;
    throw new HttpError('validation', 'Some fields are not valid', { fields: { ...errors, _replyto: ['Enter a valid email address'] } });
  }
  if (!validated.ok) throw new HttpError('validation', 'Some fields are not valid', { fields: validated.fields });

  const now = deps.now();
  const id = ulid(now);
  const spam = Boolean(magic._gotcha?.trim());
  const meta: SubmissionMeta = {
    ...(visit.ipHash && { ipHash: visit.ipHash }),
    ...(visit.userAgent && { userAgent: visit.userAgent.slice(0, 500) }),
    ...(visit.page && { page: visit.page.slice(0, 2048) }),
    ...(typeof replyTo === 'string' && isPlainAddress(replyTo) && { replyTo }),
    ...(magic._subject && { subject: oneLine(magic._subject) }),
    redirect: visit.redirectFor(magic._next),
    ...(spam && { spamReasons: ['honeypot field _gotcha was filled'] }),
  };
  const insert = submissionInsert(deps.db, {
    id,
    formId: form.id,
    createdAt: now,
    status: spam ? 'spam' : 'inbox',
    data: validated.data,
    meta,
    idempotencyKey: key ?? null,
    bodyHash,
  });
  try {
    // Spam is stored and flagged, never mailed.
    const writes = spam ? ([insert] as const) : ([insert, newDelivery(deps, form.recipients, id, now)] as const);
    await (deps.groupCommit ? deps.groupCommit([...writes]) : deps.db.batch(writes));
  } catch (error) {
    if (key && isUniqueViolation(error)) {
      const winner = await findByIdempotencyKey(deps.db, form.id, key);
      if (winner) return replay(winner, bodyHash);
      throw new HttpError('idempotency_in_progress', 'A submission with this Idempotency-Key is still being stored; retry shortly');
    }
    deps.log.error('submission not stored', { formId: form.id, error: String(error) });
    throw new HttpError('unavailable', 'The submission could not be stored; nothing was kept. Please try again.');
  }
  if (!spam && deps.mailer) deps.defer(outbox.run());
  return { id, redirect: meta.redirect! };
}
