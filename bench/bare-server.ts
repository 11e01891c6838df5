// The reference: a Hono endpoint that parses the same body and answers JSON, storing nothing.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/f/:id', async (c) => {
  const fields = new URLSearchParams(await c.req.text());
  return c.json({ ok: true, fields: [...fields.keys()].length }, 201);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
