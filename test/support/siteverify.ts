import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type VerifierRequest = { path: string; secret: string | null; response: string | null; remoteip: string | null };

/**
 * The one stand-in allowed for the captcha providers (unreachable from here): a local HTTP
 * server speaking their siteverify API. Tokens decide the answer: `good`, `low` (a v3 score
 * of 0.1), `expired` (timeout-or-duplicate); any other token is invalid. The secret must be
 * `secret-ok`. `status` makes it answer that HTTP status instead; `hang` never answers.
 */
export async function startSiteverify() {
  const requests: VerifierRequest[] = [];
  const state = { status: 200, hang: false };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      const token = params.get('response');
      requests.push({ path: req.url ?? '', secret: params.get('secret'), response: token, remoteip: params.get('remoteip') });
      if (state.hang) return;
      if (state.status !== 200) return void res.writeHead(state.status).end('verifier broken');
      const answer =
        params.get('secret') !== 'secret-ok'
          ? { success: false, 'error-codes': ['invalid-input-secret'] }
          : token === 'good'
            ? { success: true, score: 0.9, hostname: 'site.test' }
            : token === 'low'
              ? { success: true, score: 0.1, action: 'submit' }
              : token === 'expired'
                ? { success: false, 'error-codes': ['timeout-or-duplicate'] }
                : { success: false, 'error-codes': ['invalid-input-response'] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    state,
    /** Env vars pointing every provider here, each at its own path. */
    env: {
      TURNSTILE_VERIFY_URL: `${url}/turnstile/v0/siteverify`,
      HCAPTCHA_VERIFY_URL: `${url}/hcaptcha/siteverify`,
      RECAPTCHA_VERIFY_URL: `${url}/recaptcha/api/siteverify`,
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
