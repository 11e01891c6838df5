/**
 * A reference for the durable run: the server `npm start` builds, over the same kind
 * of database and demo form, except that every commit is answered at once and nothing is
 * written. Against `npm start` it shows what storing before answering costs; against the bare
 * endpoint, what handling a submission costs.
 */
import { serve } from '@hono/node-server';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { randomSecret } from '../src/ids.ts';
import { createForm } from '../src/db/forms.ts';
import { demoForm } from '../src/demo.ts';
import type { Deps } from '../src/deps.ts';
import { createOutbox } from '../src/mail/outbox.ts';
import { addressOf } from '../src/mail/render.ts';
import { nodeDeps } from '../src/node-wiring.ts';

const { config } = loadConfig(process.env, randomSecret);
const { deps } = await nodeDeps(config);
await createForm(deps.db, demoForm(addressOf(config.mailFrom), new URL(config.publicUrl).origin), deps.now());
const storingNothing: Deps = { ...deps, commit: async (statements) => statements.map(() => []) };
const app = createApp(storingNothing, createOutbox(storingNothing));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
