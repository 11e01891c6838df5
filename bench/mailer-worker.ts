// The delivery reference on Workers: nodemailer alone in workerd. It renders `n` notifications
// and sends them over one pooled mailer with the queue consumer's connections, into the bench's
// sink, with no D1 and no Queue: what the consumer costs beyond this is Formharbor's own.
import '../src/workerd-sockets.ts';
import { BATCH_CONNECTIONS } from '../src/workerd-sockets.ts';
import { defaultSpamSettings, type Form, type Submission } from '../src/db/schema.ts';
import { createSmtpMailer } from '../src/mail/smtp.ts';
import { renderNotification } from '../src/mail/render.ts';

const MAIL_FROM = 'Bench <forms@bench.test>';
/** As many at once as a consumer's claim takes. */
const CHUNK = 50;

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

function notification(n: number) {
  const submission: Submission = {
    id: `reference-${n}-${crypto.randomUUID()}`,
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

export default {
  async fetch(request: Request, env: { SMTP_URL: string }): Promise<Response> {
    const count = Number(new URL(request.url).searchParams.get('n') ?? 0);
    const mailer = createSmtpMailer({
      url: env.SMTP_URL,
      pool: true,
      mailFrom: MAIL_FROM,
      maxConnections: BATCH_CONNECTIONS,
      composeWhole: true,
    });
    let failed = 0;
    try {
      for (let start = 0; start < count; start += CHUNK) {
        const chunk = Array.from({ length: Math.min(CHUNK, count - start) }, (_, i) => notification(start + i));
        failed += (await Promise.all(chunk.map((message) => mailer.send(message)))).filter((result) => !result.ok).length;
      }
    } finally {
      mailer.close();
    }
    return Response.json({ sent: count - failed, failed });
  },
};
