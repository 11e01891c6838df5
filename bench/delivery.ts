/**
 * Outbox delivery of a backlog (optionally DKIM-signed, RSA-2048) into a local SMTP sink (its own process), beside nodemailer alone
 * sending the same messages into the same sink: msg/s, and the CPU per message of this process,
 * which runs the outbox (with the commit thread, as `npm start` does) and nothing else meanwhile.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, eq } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { createGroupCommit } from '../src/db/group-commit.ts';
import { migrateLibsql, openLibsql } from '../src/db/libsql.ts';
import { createForm } from '../src/db/forms.ts';
import { deliveries, forms, submissions } from '../src/db/schema.ts';
import { renderNotification } from '../src/mail/render.ts';
import type { Deps } from '../src/deps.ts';
import { newDelivery } from '../src/mail/new-deliveries.ts';
import { createOutbox } from '../src/mail/outbox.ts';
import { generateDkimKey } from '../src/mail/dkim.ts';
import { createSmtpMailer } from '../src/mail/smtp.ts';
import { submissionInsert } from '../src/db/submissions.ts';
import { ulid } from '../src/ids.ts';
import { cpuMeter } from './cpu.ts';

const BACKLOG = 2_000;

/** The counting SMTP sink (bench/sink-server.ts) in a process of its own. */
export async function countingSink() {
  const child = fork('bench/sink-server.ts', { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () =>
    new Promise<{ port?: number; received?: number; distinct?: number }>((resolve) =>
      child.once('message', resolve as (m: unknown) => void),
    );
  const counts = async () => {
    const answer = next();
    child.send('count');
    const { received, distinct } = await answer;
    return { received: received!, distinct: distinct! };
  };
  const { port } = await next();
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: async () => (await counts()).received,
    /** Messages taken, and distinct Message-IDs among them. */
    counts,
    close: () => child.disconnect(),
  };
}

export async function delivery(dir: string, signed = false) {
  const sink = await countingSink();
  const url = `file:${join(dir, signed ? 'outbox-dkim.db' : 'outbox.db')}`;
  const key = signed ? generateDkimKey('bench.test', 'bench') : undefined;
  const database = await openLibsql(url);
  await migrateLibsql(database, fileURLToPath(new URL('../drizzle', import.meta.url)));
  const { config } = loadConfig(
    {
      SMTP_URL: sink.url,
      ADMIN_TOKEN: 'bench-token-0123456789-abcdef',
      ADMIN_PASSWORD: 'x'.repeat(8),
      MAIL_FROM: 'Bench <forms@bench.test>',
      ...(key && { DKIM_DOMAIN: 'bench.test', DKIM_SELECTOR: 'bench', DKIM_PRIVATE_KEY: key.privateKey }),
    },
    () => '',
  );
  const grouped = createGroupCommit(url);
  const deps: Deps = {
    config,
    db: database.db,
    // Writes go through the commit thread, as in `npm start` on a local file.
    commit: grouped.commit,
    mailer: createSmtpMailer({ url: sink.url, pool: true, mailFrom: config.mailFrom, dkim: config.dkim }),
    now: Date.now,
    defer: () => {},
    log: { info: () => {}, error: console.error },
    clientIp: () => undefined,
    embedJs: '',
  };
  // A fresh database: the generated id cannot be taken.
  const form = (await createForm(
    database.db,
    { name: 'Bench', recipients: ['owner@bench.test'], allowedOrigins: [], fields: [], extraFields: 'keep' },
    Date.now(),
  ))!;
  for (let i = 0; i < BACKLOG; i += 500) {
    const rows = Array.from({ length: 500 }, () => {
      const id = ulid(Date.now());
      return [
        submissionInsert(database.db, {
          id,
          formId: form.id,
          createdAt: Date.now(),
          status: 'inbox',
          data: { name: 'Alice', message: 'Hello' },
          meta: {},
        }),
        newDelivery(deps, form.recipients, id, Date.now()),
      ];
    }).flat();
    await deps.commit(rows);
  }
  // Warm-up (not counted): a cold JIT made the first 2,000 sends ~25% slower than the next.
  await nodemailerAlone(database.db, sink.url, config);
  const reference = await nodemailerAlone(database.db, sink.url, config);
  const sentBefore = await sink.received();
  const cpu = cpuMeter(process.pid);
  const started = performance.now();
  await createOutbox(deps).run();
  const seconds = (performance.now() - started) / 1000;
  const cpuUsPerMessage = cpu.perItem(BACKLOG);
  const [sent] = await database.db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'sent'));
  deps.mailer!.close();
  await grouped.close();
  const received = (await sink.received()) - sentBefore;
  database.client.close();
  sink.close();
  const perSecond = BACKLOG / seconds;
  return {
    dkim: signed,
    messages: BACKLOG,
    sent: sent!.n,
    received,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(perSecond),
    nodemailerAlonePerSecond: Math.round(reference.perSecond),
    ratio: Number((perSecond / reference.perSecond).toFixed(2)),
    cpuUsPerMessage,
    nodemailerAloneCpuUsPerMessage: reference.cpuUsPerMessage,
  };
}

/**
 * The delivery reference: the same notifications, rendered beforehand, sent by a fresh pooled
 * transport into the same sink in chunks of the outbox's size, with no database at all.
 */
async function nodemailerAlone(db: Deps['db'], url: string, { mailFrom, dkim }: Deps['config']) {
  const rows = await db
    .select()
    .from(deliveries)
    .innerJoin(submissions, eq(submissions.id, deliveries.submissionId))
    .innerJoin(forms, eq(forms.id, submissions.formId));
  const messages = rows.map((row) =>
    renderNotification({
      form: { ...row.forms, recipients: row.deliveries.recipients },
      submission: row.submissions,
      messageId: row.deliveries.messageId,
      mailFrom,
      publicUrl: 'http://localhost:3000',
    }),
  );
  const mailer = createSmtpMailer({ url, pool: true, mailFrom, dkim });
  const cpu = cpuMeter(process.pid);
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 100) {
    const results = await Promise.all(messages.slice(i, i + 100).map((message) => mailer.send(message)));
    if (results.some((result) => !result.ok)) throw new Error('the reference run was refused by the sink');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuUsPerMessage = cpu.perItem(messages.length);
  mailer.close();
  return { perSecond: messages.length / seconds, cpuUsPerMessage };
}
