import { serve } from '@hono/node-server';
import { createApp, periodicWork } from './app.ts';
import { ConfigError, loadConfig, localUrl, type GeneratedSecrets } from './config.ts';
import { randomSecret } from './ids.ts';
import { createForm, getForm, listForms, updateForm } from './db/forms.ts';
import { getSetting, setSetting } from './db/settings.ts';
import { DEMO_FORM_ID, demoForm, embedSnippet } from './demo.ts';
import type { Deps } from './deps.ts';
import { createOutbox } from './mail/outbox.ts';
import { addressOf } from './mail/render.ts';
import { nodeDeps } from './node-wiring.ts';

/** The address of MAIL_FROM's default, which no mailbox reads. */
const UNREAD_DEFAULT = 'forms@localhost';

/** Set once the demo has had its one chance to be made: a demo the owner deleted stays deleted. */
const DEMO_SETTLED = 'demo_settled_at';

/**
 * The very first start gets a working demo form that mails the sender's own mailbox and
 * takes posts from this server's own pages only. Runs once the port is known (PORT=0).
 */
async function ensureDemoForm(deps: Deps): Promise<void> {
  const owner = addressOf(deps.config.mailFrom);
  const ownOrigin = new URL(deps.config.publicUrl).origin;
  const demo = await getForm(deps.db, DEMO_FORM_ID);
  if (!(await getSetting(deps.db, DEMO_SETTLED))) {
    if (!demo && (await listForms(deps.db, { limit: 1 })).length === 0) {
      await createForm(deps.db, demoForm(owner, ownOrigin), deps.now());
      console.log(
        `Created the demo form "${DEMO_FORM_ID}". Put it on a page with:\n\n${embedSnippet(deps.config.publicUrl, DEMO_FORM_ID)}\n`,
      );
    } else if (demo && demo.allowedOrigins.length === 0) {
      // A demo made before this check existed took posts from any site: once, it gets the restriction.
      await updateForm(deps.db, DEMO_FORM_ID, { allowedOrigins: [ownOrigin] }, deps.now());
      console.log(`The demo form now takes posts from ${ownOrigin} only (change it in the admin).`);
    }
    await setSetting(deps.db, DEMO_SETTLED, new Date(deps.now()).toISOString());
  }
  // Made before MAIL_FROM was set: its mail would go nowhere once SMTP works.
  if (demo?.recipients.length === 1 && demo.recipients[0] === UNREAD_DEFAULT && owner !== UNREAD_DEFAULT) {
    await updateForm(deps.db, DEMO_FORM_ID, { recipients: [owner] }, deps.now());
    console.log(`The demo form now mails ${owner} (MAIL_FROM) instead of ${UNREAD_DEFAULT}.`);
  }
}

function printSecrets(generated: GeneratedSecrets): void {
  if (generated.adminPassword) console.log(`ADMIN_PASSWORD (generated for this run; set it to keep it): ${generated.adminPassword}`);
  if (generated.adminToken) console.log(`ADMIN_TOKEN (generated for this run; set it to keep it): ${generated.adminToken}`);
}

async function main(): Promise<void> {
  let loaded, wired;
  try {
    loaded = loadConfig(process.env, randomSecret);
    wired = await nodeDeps(loaded.config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`formharbor: ${error.message}`);
    process.exit(1);
  }
  const { config, generated } = loaded;
  const { deps, close } = wired;
  const outbox = createOutbox(deps);
  const app = createApp(deps, outbox);

  const sweep = () => {
    for (const work of periodicWork(deps, outbox)) deps.defer(work);
  };
  const timer = setInterval(sweep, config.outboxInterval);
  sweep();

  const serverOptions = {
    headersTimeout: config.headersTimeout,
    requestTimeout: config.requestTimeout,
    // Node looks for requests past their deadline only this often (30 s by default): a slow
    // body would otherwise hold its buffer up to twice REQUEST_TIMEOUT.
    connectionsCheckingInterval: Math.min(1_000, config.headersTimeout),
  };
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions }, (info) => {
    // PORT=0 picked a free port: links, and the demo's own origin, must name the real one.
    if (!config.publicUrlSet) config.publicUrl = localUrl(config.host, info.port);
    ensureDemoForm(deps).then(
      () => {
        console.log(`Formharbor listening on ${config.publicUrl} (port ${info.port}); admin at ${config.publicUrl}/admin`);
        if (!deps.mailer) console.log('SMTP_URL is not set: notifications are kept "held" until it is.');
        printSecrets(generated);
      },
      (error: unknown) => {
        console.error(`formharbor: cannot prepare the demo form: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  });

  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(`formharbor: cannot listen on HOST=${config.host} PORT=${config.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests in flight, then stopping`);
    clearInterval(timer);
    // Sends in flight are recorded before the mailer and database close; otherwise they would
    // stay `sending` until their lease expires and go out again after the restart.
    const drained = Promise.race([outbox.settled(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    server.close(() => void drained.then(close).then(() => process.exit(0)));
    // Keep-alive connections must not hold the shutdown hostage.
    setTimeout(() => process.exit(0), 15_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Under `npm start`, npm passes a SIGTERM on to the shell running this script, not to node: the
  // shell ends and node would go on serving, orphaned, holding the port. Its parent changing is
  // that signal. Only under npm: started any other way, being re-parented (nohup, a logout)
  // must not stop the server.
  if (process.env.npm_lifecycle_event === 'start') {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && stop('npm stopped'), 500).unref();
  }
}

await main();
