// The least a Worker can do here and still keep the promises: the bare Worker + one D1
// batch, then the id on a Queue, whose consumer sends each batch over the consumer's pooled
// nodemailer (bench/reference-mail.ts). No reads, no outcome recorded, no retry schedule, no
// checks: whatever Formharbor does more, it costs more than this. Its req/s beside the bare
// Worker's is the most any delivering build can reach under `wrangler dev` on this machine.
import type { D1Database, ExecutionContext, MessageBatch, Queue } from '@cloudflare/workers-types/index.ts';
import { storeTwoRows } from './bare-d1-worker.ts';
import { benchNotification, referenceMailer } from './reference-mail.ts';

type Env = { DB: D1Database; DELIVERIES: Queue<string>; SMTP_URL: string };

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (request.method !== 'POST') return Response.json({ ok: true });
    const id = await storeTwoRows(request, env.DB);
    // After the answer, as Formharbor's intake wakes the outbox.
    ctx.waitUntil(env.DELIVERIES.send(id));
    return Response.json({ ok: true, id }, { status: 201 });
  },

  async queue(batch: MessageBatch<string>, env: Env): Promise<void> {
    const mailer = referenceMailer(env.SMTP_URL);
    try {
      const results = await Promise.all(batch.messages.map((message) => mailer.send(benchNotification(message.body))));
      batch.messages.forEach((message, i) => (results[i]!.ok ? message.ack() : message.retry()));
    } finally {
      mailer.close();
    }
  },
};
