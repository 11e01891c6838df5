/**
 * A reference for the durable run: only what a durable submission cannot skip, built
 * from the project's own parts. The demo form's zod validation, an id, the submission and
 * its notification committed by the same commit thread (synchronous=FULL) before the answer.
 * No CORS, origin check, magic fields, rate limit, visitor metadata or error pages: what
 * validating and storing alone reach on this machine, whatever else a route does.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { loadConfig } from '../src/config.ts';
import { createForm } from '../src/db/forms.ts';
import { submissionInsert } from '../src/db/submissions.ts';
import { demoForm } from '../src/demo.ts';
import { validateFields } from '../src/forms/validate.ts';
import { randomSecret, ulid } from '../src/ids.ts';
import { newDelivery } from '../src/mail/new-deliveries.ts';
import { addressOf } from '../src/mail/render.ts';
import { nodeDeps } from '../src/node-wiring.ts';

const { config } = loadConfig(process.env, randomSecret);
const { deps } = await nodeDeps(config);
// A fresh database: the demo's id is free.
const form = (await createForm(deps.db, demoForm(addressOf(config.mailFrom), new URL(config.publicUrl).origin), deps.now()))!;
const app = new Hono();
app.post('/f/:id', async (c) => {
  const validated = validateFields(form, new Map(new URLSearchParams(await c.req.text())));
  if (!validated.ok) return c.json({ ok: false, fields: validated.fields }, 422);
  const now = deps.now();
  const id = ulid(now);
  const submission = submissionInsert(deps.db, {
    id,
    formId: form.id,
    createdAt: now,
    status: 'inbox',
    data: validated.data,
    meta: {},
    idempotencyKey: null,
    bodyHash: null,
  });
  await deps.commit([submission, newDelivery(deps, form.recipients, id, now)]);
  return c.json({ ok: true, id }, 201);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
