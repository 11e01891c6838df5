// The reference: a Hono endpoint that parses the same body and answers JSON, storing nothing.
// BUSY_US adds that much busy work per request: how much a route may add and keep a given ratio.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const busyMs = Number(process.env.BUSY_US ?? 0) / 1000;
const app = new Hono();
app.post('/f/:id', async (c) => {
  const fields = new URLSearchParams(await c.req.text());
  for (const start = performance.now(); performance.now() - start < busyMs;);
  return c.json({ ok: true, fields: [...fields.keys()].length }, 201);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
