import { createForm, getForm, updateForm } from '../db/forms.ts';
import type { Form } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { formInputWithWebhooks, formPatchWithWebhooks, settleForm } from '../forms/definition.ts';
import { checkWebhookTargets, webhooksToStore } from '../forms/webhooks.ts';
import { created, found, parseOr422 } from './queries.ts';

// A form's creation and change from the API's JSON, the same for `/api/forms` and the CLI.

/** A new form: spam settings settled, webhook targets checked, each webhook given its id and secret. */
export async function createFormFrom(deps: Pick<Deps, 'config' | 'db' | 'now'>, body: unknown): Promise<Form> {
  const { config, db, now } = deps;
  const input = settleForm(parseOr422(formInputWithWebhooks, body));
  checkWebhookTargets(input.webhooks, config.webhookAllowPrivate);
  return created(await createForm(db, { ...input, webhooks: webhooksToStore(input.webhooks, [], now()).webhooks }, now()), input.id);
}

/**
 * A form changed by the keys given; webhooks given replace the list, each kept one keeping its
 * secret. `newSecrets`: the webhooks whose secret was made now, for the answer to show once.
 */
export async function updateFormFrom(
  deps: Pick<Deps, 'config' | 'db' | 'now'>,
  id: string,
  body: unknown,
): Promise<{ form: Form; newSecrets: Set<string> }> {
  const { config, db, now } = deps;
  const { webhooks, ...patch } = parseOr422(formPatchWithWebhooks, body);
  const form = found(await getForm(db, id), 'form');
  if (webhooks) checkWebhookTargets(webhooks, config.webhookAllowPrivate);
  const stored = webhooks && webhooksToStore(webhooks, form.webhooks, now());
  const changes = { ...settleForm(patch, form), ...(stored && { webhooks: stored.webhooks }) };
  return { form: found(await updateForm(db, form.id, changes, now()), 'form'), newSecrets: stored?.newSecrets ?? new Set() };
}
