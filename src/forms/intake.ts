import type { Deps } from '../deps.ts';
import type { Form, SpamReason, Submission, SubmissionData, SubmissionMeta } from '../db/schema.ts';
import { findByIdempotencyKey, submissionInsert } from '../db/submissions.ts';
import { isUniqueViolation } from '../db/client.ts';
import { emptyFieldErrors, AppError } from '../errors.ts';
import { sha256, ulid } from '../ids.ts';
import { newAutoReply } from '../mail/auto-reply.ts';
import { newDeliveries } from '../mail/new-deliveries.ts';
import type { Outbox } from '../mail/outbox.ts';
import { oneLine } from '../mail/render.ts';
import { isPlainAddress } from './email.ts';
import { isEmailFieldName, type RawFields } from './parse.ts';
import { checkCaptcha, spamReasons, takeCaptchaToken } from './spam/check.ts';
import { validateFields } from './validate.ts';

/** Formspree-compatible control fields: read, never stored as data. */
const MAGIC_FIELDS = ['_replyto', '_subject', '_next', '_gotcha', '_idempotency', '_ticket'] as const;
type Magic = Partial<Record<(typeof MAGIC_FIELDS)[number], string>>;

export type Visit = {
  idempotencyHeader: string | undefined;
  ipHash: string | undefined;
  /** The visitor's address, for blocked IPs and the captcha provider; never stored. */
  ip: string | undefined;
  userAgent: string | undefined;
  page: string | undefined;
  /** Where an HTML answer should send the visitor, chosen by the route from `_next` and the form. */
  redirectFor: (next: string | undefined) => string;
  /** Counts this submission against the per-address and form-wide limits; a wait when over one. Replays are not counted. */
  countHit: () => Promise<{ retryAfter: number } | null>;
};

export type Accepted = { id: string; redirect: string };

function takeMagic(fields: RawFields): Magic {
  const magic: Magic = {};
  for (const name of MAGIC_FIELDS) {
    const value = fields.get(name);
    fields.delete(name);
    const first = Array.isArray(value) ? value[0] : value;
    // JSON `false` is an unchecked box, not text: an empty honeypot stays empty.
    if (value !== undefined) magic[name] = first === undefined || first === false ? '' : String(first);
  }
  return magic;
}

function idempotencyKey(header: string | undefined, field: string | undefined): string | undefined {
  const key = (header ?? field)?.trim();
  if (!key) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new AppError('bad_request', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return key;
}

function replay(existing: Submission, bodyHash: string | null): Accepted {
  if (existing.bodyHash !== bodyHash) {
    throw new AppError('idempotency_conflict', 'This Idempotency-Key was already used for a different submission');
  }
  return { id: existing.id, redirect: existing.meta.redirect ?? '' };
}

/** The data a submission keeps: validated for people; for what is judged spam, what it sent. */
function dataToStore(form: Form, fields: RawFields, magic: Magic, spam: boolean): SubmissionData {
  // A bot must not learn how the form is checked: its submission looks accepted whatever it sent.
  if (spam)
    return Object.fromEntries([...fields].map(([name, value]) => [name, typeof value === 'string' ? value.slice(0, 20_000) : value]));
  const validated = validateFields(form, fields);
  const errors = validated.ok ? emptyFieldErrors() : validated.fields;
  if (magic._replyto?.trim() && !isPlainAddress(magic._replyto.trim())) errors._replyto = ['Enter a valid email address'];
  if (!validated.ok || errors._replyto) throw new AppError('validation', 'Some fields are not valid', { fields: errors });
  return validated.data;
}

/** `_replyto` wins; otherwise a field named `email` is the Reply-To (validated like one). */
const replyToOf = (fields: RawFields, magic: Magic) => magic._replyto?.trim() || [...fields].find(([name]) => isEmailFieldName(name))?.[1];

type Judged = { spamReasons: SpamReason[]; captchaUnchecked: string | undefined };

/** Stored beside the data; `redirect` is always decided, so a replay answers alike. */
function metaOf(fields: RawFields, magic: Magic, visit: Visit, judged: Judged): SubmissionMeta & { redirect: string } {
  const replyTo = replyToOf(fields, magic);
  return {
    ...(visit.ipHash && { ipHash: visit.ipHash }),
    ...(visit.userAgent && { userAgent: visit.userAgent.slice(0, 500) }),
    ...(visit.page && { page: visit.page.slice(0, 2048) }),
    ...(typeof replyTo === 'string' && isPlainAddress(replyTo) && { replyTo }),
    ...(magic._subject && { subject: oneLine(magic._subject) }),
    redirect: visit.redirectFor(magic._next),
    ...(judged.spamReasons.length > 0 && { spamReasons: judged.spamReasons }),
    ...(judged.captchaUnchecked && { captchaUnchecked: judged.captchaUnchecked }),
  };
}

/**
 * Validates and stores a submission with its notification in one atomic batch, and only
 * then answers: an acknowledged submission is on disk. A repeat of the same key gets the
 * first answer (before rate limits and validation, which may have changed since); the
 * database's unique index settles races between concurrent repeats.
 */
export async function acceptSubmission(deps: Deps, outbox: Outbox, form: Form, fields: RawFields, visit: Visit): Promise<Accepted> {
  const magic = takeMagic(fields);
  // Out of the fingerprint too: a retry of the same submission may carry a fresh token.
  const token = takeCaptchaToken(form, fields);
  const key = idempotencyKey(visit.idempotencyHeader, magic._idempotency);
  const { _idempotency: _, ...hashedMagic } = magic;
  // Only a keyed request can be replayed, so only then is the body fingerprinted; field order does not matter.
  const bodyHash = key ? sha256(JSON.stringify([[...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), hashedMagic])) : null;
  const existing = key && (await findByIdempotencyKey(deps.db, form.id, key));
  if (existing) return replay(existing, bodyHash);

  const limited = await visit.countHit();
  if (limited) throw new AppError('rate_limited', 'Too many submissions; try again later', limited);
  const replyTo = replyToOf(fields, magic);
  const reasons = await spamReasons(deps, form, {
    honeypot: magic._gotcha,
    ticket: magic._ticket,
    values: fields.values(),
    replyTo: typeof replyTo === 'string' ? replyTo : undefined,
    ip: visit.ip,
  });
  const spam = reasons.length > 0;
  const data = dataToStore(form, fields, magic, spam);
  // After validation: a person told to fix a field is not sent through the check twice.
  const captchaUnchecked = await checkCaptcha(deps, form, token, visit.ip);
  const now = deps.now();
  const id = ulid(now);
  const meta = metaOf(fields, magic, visit, { spamReasons: reasons, captchaUnchecked });
  const insert = submissionInsert(deps.db, {
    id,
    formId: form.id,
    createdAt: now,
    status: spam ? 'spam' : 'inbox',
    data,
    meta,
    idempotencyKey: key || null,
    bodyHash,
  });
  const deliveries = newDeliveries(deps, form, id, now);
  // Spam is stored and flagged, never mailed nor answered.
  const autoReply = spam ? undefined : newAutoReply(deps, form, meta, id, now);
  if (autoReply) {
    deliveries.statements.push(autoReply.statement);
    if (deps.mailer) deliveries.due.push(autoReply.id);
  }
  try {
    await deps.commit(spam ? [insert] : [insert, ...deliveries.statements]);
  } catch (error) {
    if (key && isUniqueViolation(error)) return replayWinner(deps, form.id, key, bodyHash);
    deps.log.error('submission not stored', { formId: form.id, error: String(error) });
    throw new AppError('unavailable', 'The submission could not be stored; nothing was kept. Please try again.');
  }
  if (!spam && deliveries.due.length > 0) deps.defer(outbox.wake(deliveries.due));
  return { id, redirect: meta.redirect };
}

/** A concurrent request with the same key committed first: answer as it was answered. */
async function replayWinner(deps: Deps, formId: string, key: string, bodyHash: string | null): Promise<Accepted> {
  const winner = await findByIdempotencyKey(deps.db, formId, key);
  if (winner) return replay(winner, bodyHash);
  throw new AppError('idempotency_in_progress', 'A submission with this Idempotency-Key is still being stored; retry shortly');
}
