// What the Workers references send, and how: Formharbor's own rendering of an ordinary
// submission (a reference mail is the size and shape of a real one), over a mailer set up as
// the queue consumer's is (worker.ts, `workerDeps` with `batch`).
import '../src/workerd-sockets.ts';
import { BATCH_CONNECTIONS } from '../src/workerd-sockets.ts';
import { defaultSpamSettings, type Form, type Submission } from '../src/db/schema.ts';
import { renderNotification } from '../src/mail/render.ts';
import { createSmtpMailer } from '../src/mail/smtp.ts';

const MAIL_FROM = 'Bench <forms@bench.test>';

/** One invocation's mailer: pooled over the consumer's connections, each message composed whole. */
export const referenceMailer = (smtpUrl: string) =>
  createSmtpMailer({ url: smtpUrl, pool: true, mailFrom: MAIL_FROM, maxConnections: BATCH_CONNECTIONS, composeWhole: true });

const form: Form = {
  id: 'bench',
  name: 'Bench',
  recipients: ['owner@bench.test'],
  fields: [],
  allowedOrigins: [],
  redirectUrl: null,
  subject: null,
  language: 'en',
  extraFields: 'keep',
  webhooks: [],
  spam: defaultSpamSettings(),
  autoReply: null,
  retentionDays: null,
  spamRetentionDays: 30,
  createdAt: 0,
  updatedAt: 0,
};

/** The notification of submission `id`: its Message-ID is the id's, so the sink counts a resend as a duplicate. */
export function benchNotification(id: string) {
  const submission: Submission = {
    id,
    formId: form.id,
    createdAt: Date.now(),
    status: 'inbox',
    data: { name: 'Ada', email: 'ada@example.com', message: 'Hello from the benchmark' },
    meta: {},
    idempotencyKey: null,
    bodyHash: null,
    readAt: null,
  };
  return renderNotification({
    form,
    submission,
    messageId: `<${submission.id}@bench.test>`,
    mailFrom: MAIL_FROM,
    publicUrl: 'http://127.0.0.1',
  });
}
