import { z } from 'zod';
import type { WebhookSpec } from '../db/schema.ts';
import { AppError, type FieldsSaid } from '../errors.ts';
import { translator } from '../i18n/index.ts';
import { ulid } from '../ids.ts';
import { isRefusedAddress } from '../mail/address-guard.ts';
import { newWebhookSecret } from '../mail/webhook-signature.ts';

/** A webhook as the API and the CLI accept it: the id and the secret are made when absent. */
export const webhookInput = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and - (at most 64)')
    .optional(),
  url: z
    .string()
    .max(2048)
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), 'must be an https URL'),
  secret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'must be whsec_ followed by base64 (at least 12 bytes)')
    .optional(),
  format: z.enum(['standard', 'slack', 'discord']).default('standard'),
});

export const webhooksInput = z
  .array(webhookInput)
  .max(20)
  .refine(
    (list) => new Set(list.flatMap((w) => (w.id ? [w.id] : []))).size === list.filter((w) => w.id).length,
    'webhook ids must be unique',
  );

export type WebhookInput = z.infer<typeof webhookInput>;

/**
 * Refuses what the configuration forbids: http: and literal private addresses unless
 * WEBHOOK_ALLOW_PRIVATE=1. Names are resolved and checked again at every send (a name may
 * point elsewhere by then); this only answers the owner early.
 */
export function checkWebhookTargets(webhooks: WebhookInput[], allowPrivate: boolean): void {
  if (allowPrivate) return;
  const english = translator('en');
  const fields: Record<string, string[]> = {};
  const fieldsSaid: FieldsSaid = {};
  webhooks.forEach((webhook, i) => {
    const url = new URL(webhook.url);
    const problem =
      url.protocol !== 'https:'
        ? 'issue.url'
        : /^[\d.]+$|^\[/.test(url.hostname) && isRefusedAddress(url.hostname)
          ? 'issue.privateAddress'
          : url.hostname === 'localhost' || url.hostname.endsWith('.localhost')
            ? 'issue.thisMachine'
            : undefined;
    if (problem) {
      fields[`webhooks.${i}.url`] = [english(problem)];
      fieldsSaid[`webhooks.${i}.url`] = [{ key: problem }];
    }
  });
  if (Object.keys(fields).length > 0) throw new AppError('validation', 'Some fields are not valid', { fields, fieldsSaid });
}

/**
 * The webhooks to store. Each keeps the stored webhook it names by id, or else the one with its
 * URL that no other names (a list sent back without ids must not change every secret), with its
 * secret unless a new one is given; the rest are new, with an id and a secret made now.
 * `newSecrets`: the ids whose secret was made here, which the answer shows this once.
 */
export function webhooksToStore(
  webhooks: WebhookInput[],
  stored: WebhookSpec[],
  now: number,
): { webhooks: WebhookSpec[]; newSecrets: Set<string> } {
  const named = new Set(webhooks.flatMap((webhook) => (webhook.id ? [webhook.id] : [])));
  const unnamed = stored.filter((s) => !named.has(s.id));
  const takeUnnamed = (url: string) => {
    const at = unnamed.findIndex((s) => s.url === url);
    return at < 0 ? undefined : unnamed.splice(at, 1)[0];
  };
  const newSecrets = new Set<string>();
  const specs = webhooks.map((webhook) => {
    const match = webhook.id ? stored.find((s) => s.id === webhook.id) : takeUnnamed(webhook.url);
    const id = webhook.id ?? match?.id ?? ulid(now);
    const secret = webhook.secret ?? match?.secret;
    if (secret) return { id, url: webhook.url, secret, format: webhook.format };
    newSecrets.add(id);
    return { id, url: webhook.url, secret: newWebhookSecret(), format: webhook.format };
  });
  return { webhooks: specs, newSecrets };
}

/** A webhook as the API shows it: the secret is write-only, shown only in the answer that created it. */
export const presentWebhook = (webhook: WebhookSpec, showSecret: boolean) => ({ ...webhook, secret: showSecret ? webhook.secret : 'set' });
