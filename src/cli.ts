import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { randomSecret } from './ids.ts';
import { exportQuery, exportStream } from './admin/export.ts';
import { presentDelivery, presentForm } from './admin/present.ts';
import { createFormFrom, updateFormFrom } from './admin/form-writes.ts';
import { deliveryQuery, found, mailTestInput, parseOr422, retryDelivery } from './admin/queries.ts';
import { getDelivery, listDeliveries } from './db/delivery-reads.ts';
import { getForm, listForms } from './db/forms.ts';
import { embedSnippet } from './demo.ts';
import type { Deps } from './deps.ts';
import { AppError } from './errors.ts';
import { eraseByEmail, eraseInput } from './forms/retention.ts';
import { createOutbox } from './mail/outbox.ts';
import { nodeDeps } from './node-wiring.ts';
import { sendTestEmail } from './admin/mail-test.ts';
import { dkimGenerate, MAIL_USAGE, mailCheck } from './cli-mail.ts';

const USAGE = `usage: formharbor <command>
  migrate                                   apply database migrations
  forms create --name N --recipients a@x,b@y [--id ID] [--origins https://site,…] [--redirect URL] [--subject S] [--language en|zh-TW|de] [--fields JSON] [--webhook F:URL]
  forms update --id ID [any option of create] [spam options]
    spam options: --captcha turnstile|hcaptcha|recaptcha:SITEKEY:SECRET (or none) [--min-score 0.5] [--min-seconds N]
                  [--max-links N|none] [--blocked-words w1,w2] [--blocked-email-domains d1,d2] [--blocked-ips ip,cidr]
                  [--form-limit 100/1h|none] [--retention-days N|none] [--spam-retention-days N]
    webhooks: --webhook standard|slack|discord:URL, repeatable (the list replaces the form's; none removes them)
    auto-reply: --auto-reply-subject S --auto-reply-text T (both; the text may hold \n), or --auto-reply none
  forms list
  erase --email ADDRESS                     delete every submission, on every form, holding that address
  submissions export --form ID [--format csv|json] [--out FILE]
  mail test --to ADDRESS                    one real SMTP attempt with the configured SMTP_URL
  outbox list [--status pending|sending|held|sent|failed]
  outbox retry DELIVERY_ID
${MAIL_USAGE}
Configuration comes from the same environment variables as the server (DATABASE_URL, SMTP_URL, MAIL_FROM, …).`;

const OPTIONS = {
  name: { type: 'string' },
  recipients: { type: 'string' },
  id: { type: 'string' },
  origins: { type: 'string' },
  redirect: { type: 'string' },
  subject: { type: 'string' },
  language: { type: 'string' },
  fields: { type: 'string' },
  form: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  to: { type: 'string' },
  status: { type: 'string' },
  email: { type: 'string' },
  captcha: { type: 'string' },
  'min-score': { type: 'string' },
  'min-seconds': { type: 'string' },
  'max-links': { type: 'string' },
  'blocked-words': { type: 'string' },
  'blocked-email-domains': { type: 'string' },
  'blocked-ips': { type: 'string' },
  'form-limit': { type: 'string' },
  webhook: { type: 'string', multiple: true },
  'auto-reply': { type: 'string' },
  'auto-reply-subject': { type: 'string' },
  'auto-reply-text': { type: 'string' },
  'retention-days': { type: 'string' },
  'spam-retention-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];
type Command = (deps: Deps, values: Values, args: string[]) => Promise<void>;

const list = (text: string | undefined) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
function jsonOption(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError('validation', `${name} must be JSON: ${(error as Error).message}`);
  }
}
/** A number option: `none` clears it; text that is no number goes to zod as text, which names the option. */
const numberOption = (text: string | undefined) =>
  text === undefined ? undefined : text === 'none' ? null : Number.isNaN(Number(text)) ? text : Number(text);

/** `--captcha provider:SITEKEY:SECRET` (the secret may hold colons) or `none`. */
function captchaOption(text: string | undefined, minScore: string | undefined) {
  if (text === undefined) return undefined;
  if (text === 'none') return null;
  const [provider, siteKey, ...secret] = text.split(':');
  return { provider, siteKey, secret: secret.join(':') || undefined, ...(minScore !== undefined && { minScore: numberOption(minScore) }) };
}

/**
 * `--webhook FORMAT:URL` (format standard, slack or discord; a bare URL is standard), repeatable;
 * the list given replaces the form's. `--webhook none` removes them all.
 */
function webhookOptions(given: string[] | undefined) {
  if (!given) return undefined;
  if (given.length === 1 && given[0] === 'none') return [];
  return given.map((text) => {
    const [, format, url] = /^(?:(standard|slack|discord):)?(.*)$/.exec(text)!;
    return { url, ...(format && { format }) };
  });
}

/** `--auto-reply none` turns it off; a subject or a text sets it (zod names the one missing). */
function autoReplyOption(v: Values) {
  if (v['auto-reply'] === 'none') return null;
  if (v['auto-reply'] !== undefined)
    throw new AppError('validation', '--auto-reply only takes none; set one with --auto-reply-subject and --auto-reply-text');
  const subject = v['auto-reply-subject'];
  const text = v['auto-reply-text']?.replaceAll('\\n', '\n');
  return subject === undefined && text === undefined ? undefined : { subject, text };
}

/** The options `forms create` and `forms update` share, as the API's JSON (unset options left out). */
function formOptions(v: Values) {
  const spam = {
    captcha: captchaOption(v.captcha, v['min-score']),
    minSeconds: numberOption(v['min-seconds']),
    maxLinks: numberOption(v['max-links']),
    blockedWords: list(v['blocked-words']),
    blockedEmailDomains: list(v['blocked-email-domains']),
    blockedIps: list(v['blocked-ips']),
    formLimit: v['form-limit'] === 'none' ? null : v['form-limit'],
  };
  return {
    name: v.name,
    recipients: list(v.recipients),
    allowedOrigins: list(v.origins),
    redirectUrl: v.redirect,
    subject: v.subject,
    language: v.language,
    fields: v.fields ? jsonOption('--fields', v.fields) : undefined,
    spam: Object.values(spam).some((value) => value !== undefined) ? spam : undefined,
    webhooks: webhookOptions(v.webhook),
    autoReply: autoReplyOption(v),
    retentionDays: numberOption(v['retention-days']),
    spamRetentionDays: numberOption(v['spam-retention-days']),
  };
}

async function writableFile(path: string) {
  try {
    return (await open(path, 'w')).createWriteStream();
  } catch (error) {
    throw new AppError('bad_request', `Cannot write --out ${path}: ${(error as Error).message}`);
  }
}
const print = (value: unknown) => console.log(typeof value === 'string' ? value : JSON.stringify(value, null, 2));

const COMMANDS: Record<string, Command> = {
  async migrate(deps) {
    // Not the URL itself: it may carry credentials, and it is treated as a secret everywhere else.
    print(`The database is migrated (${deps.config.databaseUrl.split(':')[0]}: URL).`);
  },
  async 'forms create'(deps, v) {
    const form = await createFormFrom(deps, { id: v.id, ...formOptions(v) });
    // The one time the webhooks' secrets are shown, as in the API's create answer.
    print(presentForm(form, { showSecrets: true }));
    print(`\nPut it on a page with:\n\n${embedSnippet(deps.config.publicUrl, form.id)}`);
  },
  async 'forms update'(deps, v) {
    const form = v.id && (await getForm(deps.db, v.id));
    if (!form) throw new AppError('not_found', `There is no form "${v.id ?? ''}" (give --id ID)`);
    const { form: updated, newSecrets } = await updateFormFrom(deps, form.id, formOptions(v));
    print(presentForm(updated, { newSecrets }));
  },
  async erase(deps, v) {
    const { email } = parseOr422(eraseInput, { email: v.email });
    print(`Deleted ${await eraseByEmail(deps, email)} submission(s) holding ${email}.`);
  },
  async 'forms list'(deps) {
    for (const f of await listForms(deps.db, { limit: 1000 })) print(`${f.id}\t${f.name}\t${f.recipients.join(', ')}`);
  },
  async 'submissions export'(deps, v) {
    const { format } = parseOr422(exportQuery, { format: v.format || undefined });
    const form = v.form && (await getForm(deps.db, v.form));
    if (!form) throw new AppError('not_found', `There is no form "${v.form ?? ''}" (give --form ID)`);
    const stream = await exportStream(deps.db, form.id, format, { indent: format === 'json' ? 2 : undefined });
    const out = v.out ? await writableFile(v.out) : process.stdout;
    // pipeline reads the next page only as fast as the file or the pipe takes it; stdout stays open for errors.
    await pipeline(Readable.fromWeb(stream as NodeReadableStream<Uint8Array>), out, { end: out !== process.stdout });
  },
  async 'mail test'(deps, v) {
    if (!v.to) throw new AppError('validation', 'Give --to ADDRESS');
    const { to } = parseOr422(mailTestInput, { to: v.to });
    const result = await sendTestEmail(deps, to);
    // The conversation goes to stderr: stdout stays the one reply line that scripts read.
    if (result.transcript) console.error(result.transcript);
    if (!result.ok) throw new AppError('unavailable', result.hint ? `${result.error}\nhint: ${result.hint}` : result.error);
    print(`${result.response}${result.relay ? ` (via the ${result.relay} relay)` : ''}`);
  },
  async 'outbox list'(deps, v) {
    const { status } = parseOr422(deliveryQuery.pick({ status: true }), { status: v.status || undefined });
    for (const d of (await listDeliveries(deps.db, { status, limit: 1000 })).map(presentDelivery)) {
      print(`${d.id}\t${d.status}\tattempts=${d.attempts}\t${d.recipients.join(',')}\t${d.lastError ?? ''}`);
    }
  },
  async 'outbox retry'(deps, _v, args) {
    const outbox = createOutbox(deps);
    const retried = await retryDelivery(deps, outbox, args[0] ?? '');
    // The process ends after this command: the attempt is awaited, not left in the background.
    await outbox.run();
    print(presentDelivery(found(await getDelivery(deps.db, retried.id), 'delivery')));
  },
};

async function main(argv: string[]): Promise<number> {
  // Neither needs the database; key generation not even a valid configuration.
  if (argv[0] === 'dkim' && argv[1] === 'generate') return (dkimGenerate(argv.slice(2)), 0);
  if (argv[0] === 'mail' && argv[1] === 'check') return mailCheck(loadConfig(process.env, randomSecret).config);
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const twoWords = positionals.slice(0, 2).join(' ');
  const name = COMMANDS[twoWords] ? twoWords : positionals[0];
  const command = name && COMMANDS[name];
  if (values.help || !command) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const { config } = loadConfig(process.env, randomSecret);
  const { deps, close } = await nodeDeps(config);
  try {
    await command(deps, values, positionals.slice(name.split(' ').length));
    return 0;
  } finally {
    await close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Only the user's mistakes are one line; a bug keeps its stack.
  const isUsageError = error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  if (!(error instanceof AppError || error instanceof ConfigError || isUsageError)) throw error;
  const fields = error instanceof AppError && error.fields;
  console.error(`formharbor: ${error.message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  process.exitCode = 1;
}
