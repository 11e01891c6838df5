import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

/** A field the owner declared; submissions are validated against these. */
export type FieldSpec = {
  name: string;
  type: 'text' | 'email' | 'url' | 'tel' | 'number' | 'textarea' | 'checkbox' | 'select' | 'date';
  required?: boolean;
  maxLength?: number;
  options?: string[];
};

export type FieldValue = string | number | boolean | (string | number | boolean)[];
export type SubmissionData = Record<string, FieldValue>;

/** What the request told us besides the fields; kept for the admin and for rendering mail. */
export type SubmissionMeta = {
  ipHash?: string;
  userAgent?: string;
  page?: string;
  replyTo?: string;
  subject?: string;
  redirect?: string;
  spamReasons?: SpamReason[];
  /** Set when the form's captcha could not be verified (verifier down): the message was kept and delivered anyway. */
  captchaUnchecked?: string;
};

/** Where a form's submissions are also posted; `secret` signs `standard` bodies (write-only in the API). */
export type WebhookSpec = { id: string; url: string; secret: string; format: 'standard' | 'slack' | 'discord' };

/** The owner's fixed answer to a visitor; nothing the visitor sent is ever put in it (docs/auto-reply.md). */
export type AutoReply = { subject: string; text: string };
export const spamReasons = ['honeypot', 'too_fast', 'bad_ticket', 'links', 'blocked_word', 'blocked_email_domain', 'blocked_ip'] as const;
export type SpamReason = (typeof spamReasons)[number];

export type CaptchaSettings = { provider: 'turnstile' | 'hcaptcha' | 'recaptcha'; siteKey: string; secret: string; minScore?: number };

/** A form's defences (see docs/spam.md); every key has a default that turns it off. */
export type SpamSettings = {
  captcha: CaptchaSettings | null;
  minSeconds: number;
  maxLinks: number | null;
  blockedWords: string[];
  blockedEmailDomains: string[];
  blockedIps: string[];
  /** "N/window" for the whole form, e.g. "100/1h". */
  formLimit: string | null;
};

export const defaultSpamSettings = (): SpamSettings => ({
  captcha: null,
  minSeconds: 0,
  maxLinks: null,
  blockedWords: [],
  blockedEmailDomains: [],
  blockedIps: [],
  formLimit: null,
});

export const forms = sqliteTable('forms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  recipients: text('recipients', { mode: 'json' }).$type<string[]>().notNull(),
  fields: text('fields', { mode: 'json' }).$type<FieldSpec[]>().notNull(),
  allowedOrigins: text('allowed_origins', { mode: 'json' }).$type<string[]>().notNull(),
  redirectUrl: text('redirect_url'),
  subject: text('subject'),
  // src/i18n's languages, spelled here because src/db imports nothing above it. The notification's
  // own labels follow it; the owner's subject and the visitor's words stay as typed.
  language: text('language', { enum: ['en', 'zh-TW', 'de'] })
    .notNull()
    .default('en'),
  extraFields: text('extra_fields', { enum: ['keep', 'reject'] })
    .notNull()
    .default('keep'),
  webhooks: text('webhooks', { mode: 'json' }).$type<WebhookSpec[]>().notNull().default([]),
  spam: text('spam', { mode: 'json' }).$type<SpamSettings>().notNull().default(defaultSpamSettings()),
  /** Off (null) by default. */
  autoReply: text('auto_reply', { mode: 'json' }).$type<AutoReply>(),
  /** Days a submission is kept; null keeps it until deleted. */
  retentionDays: integer('retention_days'),
  spamRetentionDays: integer('spam_retention_days').notNull().default(30),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const submissionStatuses = ['inbox', 'spam', 'archived'] as const;

export const submissions = sqliteTable(
  'submissions',
  {
    id: text('id').primaryKey(),
    formId: text('form_id').notNull(),
    createdAt: integer('created_at').notNull(),
    status: text('status', { enum: submissionStatuses }).notNull(),
    data: text('data', { mode: 'json' }).$type<SubmissionData>().notNull(),
    meta: text('meta', { mode: 'json' }).$type<SubmissionMeta>().notNull(),
    idempotencyKey: text('idempotency_key'),
    bodyHash: text('body_hash'),
    /** When the owner first opened it in the admin; null: new (unread). */
    readAt: integer('read_at'),
  },
  (t) => [
    // The database, not the app, guarantees one submission per key: concurrent
    // requests and several instances all meet here.
    uniqueIndex('submissions_form_idempotency').on(t.formId, t.idempotencyKey),
    index('submissions_form_id').on(t.formId, t.id),
    // The nav and the dashboard count unread mail on every page: only unread rows are in it.
    index('submissions_unread')
      .on(t.formId, t.status)
      .where(sql`read_at IS NULL`),
  ],
);

export const deliveryStatuses = ['pending', 'sending', 'held', 'sent', 'failed'] as const;
// `alert`: a note to the owner about the outbox itself (ALERT_WEBHOOK_URL, ALERT_EMAIL); its
// `submission_id` holds the incident's id, since it is about no submission.
export const deliveryChannels = ['email', 'webhook', 'autoreply', 'alert'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveries = sqliteTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    submissionId: text('submission_id').notNull(),
    channel: text('channel', { enum: deliveryChannels }).notNull().default('email'),
    /**
     * For a `webhook` delivery, the id of the form's webhook it is for (null for email); for an
     * `autoreply`, "form id/address/UTC day", unique among auto-replies: once per address per form per day.
     */
    target: text('target'),
    /**
     * Whom it was last addressed to (the form's recipients when it was created, until it is
     * attempted); after a partial refusal, only the refused. Each attempt addresses the form's
     * recipients as they are then, minus `deliveredTo`.
     */
    recipients: text('recipients', { mode: 'json' }).$type<string[]>().notNull(),
    /** Who accepted it while it was not yet sent; not kept up to date once it is `sent`. */
    deliveredTo: text('delivered_to', { mode: 'json' }).$type<string[]>().notNull().default([]),
    status: text('status', { enum: deliveryStatuses }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    /** When the current run of retries began (creation, release from held, or a manual retry): DELIVERY_MAX_AGE counts from here. */
    retrySince: integer('retry_since').notNull(),
    nextAttemptAt: integer('next_attempt_at'),
    leaseUntil: integer('lease_until'),
    messageId: text('message_id').notNull(),
    lastError: text('last_error'),
    sentAt: integer('sent_at'),
  },
  (t) => [
    index('deliveries_due').on(t.status, t.nextAttemptAt),
    index('deliveries_submission').on(t.submissionId),
    uniqueIndex('deliveries_autoreply_once')
      .on(t.target)
      .where(sql`${t.channel} = 'autoreply'`),
  ],
);

export const deliveryAttempts = sqliteTable(
  'delivery_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id').notNull(),
    at: integer('at').notNull(),
    // `interrupted`: the lease ran out with no outcome recorded (the process stopped mid-send).
    outcome: text('outcome', { enum: ['sent', 'temporary', 'permanent', 'interrupted'] }).notNull(),
    reply: text('reply').notNull(),
    // Which SMTP relay took the attempt (SMTP_URL or SMTP_BACKUP_URL); null when none was reached for it (interrupted, not rendered).
    relay: text('relay', { enum: ['primary', 'backup'] }),
  },
  (t) => [
    index('delivery_attempts_delivery').on(t.deliveryId),
    // The incident check's look for mail the backup took (db/incidents.ts): a few rows, not the history.
    index('delivery_attempts_backup')
      .on(t.at)
      .where(sql`${t.relay} = 'backup'`),
  ],
);

export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
});

/** Signed-in admin sessions: signing out deletes the row, so a copied cookie stops working too. */
export const adminSessions = sqliteTable('admin_sessions', {
  id: text('id').primaryKey(),
  expiresAt: integer('expires_at').notNull(),
});

export type Form = typeof forms.$inferSelect;
export type Submission = typeof submissions.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;
export type DeliveryAttempt = typeof deliveryAttempts.$inferSelect;

/**
 * A stretch of time during which deliveries failed or stayed undelivered past ALERT_AFTER
 * (mail/incidents.ts decides). At most one is open (closed_at null): opening is a conditional
 * insert, so sweeps running at once on several instances open one between them.
 */
export const incidents = sqliteTable('incidents', {
  id: text('id').primaryKey(),
  openedAt: integer('opened_at').notNull(),
  /** What the alert says happened, written when it opened (counts, the first error). */
  summary: text('summary').notNull(),
  closedAt: integer('closed_at'),
  /** The id of the closing run's first recovery delivery: its rows are written only if this run closed it. */
  closedBy: text('closed_by'),
});

export type Incident = typeof incidents.$inferSelect;

/** Facts about this installation that outlive a restart, e.g. that the demo form was made once. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
