// The delivery reference on Workers: nodemailer alone in workerd. It renders `n` notifications
// and sends them over one pooled mailer with the queue consumer's connections, into the bench's
// sink, with no D1 and no Queue: what the consumer costs beyond this is Formharbor's own.
import { benchNotification, referenceMailer } from './reference-mail.ts';

/** As many at once as a consumer's claim takes. */
const CHUNK = 50;

export default {
  async fetch(request: Request, env: { SMTP_URL: string }): Promise<Response> {
    const count = Number(new URL(request.url).searchParams.get('n') ?? 0);
    const mailer = referenceMailer(env.SMTP_URL);
    let failed = 0;
    try {
      for (let start = 0; start < count; start += CHUNK) {
        const chunk = Array.from({ length: Math.min(CHUNK, count - start) }, (_, i) =>
          benchNotification(`reference-${start + i}-${crypto.randomUUID()}`),
        );
        failed += (await Promise.all(chunk.map((message) => mailer.send(message)))).filter((result) => !result.ok).length;
      }
    } finally {
      mailer.close();
    }
    return Response.json({ sent: count - failed, failed });
  },
};
