import type { SendResult } from './mailer.ts';

// One JSON POST, as a form's webhooks and the owner's alert webhook are sent: no redirect
// followed (it could lead anywhere, past the address guard), a timeout, and only the start of
// the answer read, for the attempt history.

/** The history keeps this much of a receiver's answer: enough to read an error, not a page. */
const ANSWER_BYTES = 500;

/** The first ANSWER_BYTES of the answer, without waiting for (or holding) the rest. */
async function answerStart(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, ANSWER_BYTES));
}

/** 2xx: sent; 410 Gone (the receiver says this hook no longer exists): failed; anything else: tried again. */
export async function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  fetchWith: typeof fetch = fetch,
): Promise<SendResult> {
  let response: Response;
  try {
    response = await fetchWith(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Formharbor-Webhooks', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause as (Error & { code?: string }) | undefined) : undefined;
    // The connection's own address check (node-wiring.ts): refused for good, as the check before the request refuses.
    if (cause?.code === 'EREFUSEDADDRESS') return { ok: false, temporary: false, error: cause.message };
    return { ok: false, temporary: true, error: `${String(error)}${cause ? `: ${String(cause)}` : ''}` };
  }
  const answer = await answerStart(response).catch((error: unknown) => `(answer not read: ${String(error)})`);
  const reply = `HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
  if (response.status >= 200 && response.status < 300) return { ok: true, response: reply };
  return { ok: false, temporary: response.status !== 410, error: reply };
}
