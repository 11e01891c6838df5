// The references: Hono endpoints that parse the same body and answer JSON, storing nothing.
// `/f/:id` parses with text() + URLSearchParams; BUSY_US adds that much busy work per request
// there. `/parse-body/:id` uses Hono's own c.req.parseBody(), what a plain Hono form route does.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const busyMs = Number(process.env.BUSY_US ?? 0) / 1000;
const app = new Hono();
app.post('/f/:id', async (c) => {
  const fields = new URLSearchParams(await c.req.text());
  for (const start = performance.now(); performance.now() - start < busyMs;);
  return c.json({ ok: true, fields: [...fields.keys()].length }, 201);
});
app.post('/parse-body/:id', async (c) => {
  const fields = await c.req.parseBody();
  return c.json({ ok: true, fields: Object.keys(fields).length }, 201);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
