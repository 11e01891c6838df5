import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { path: string; headers: IncomingMessage['headers']; body: string };

/**
 * A real HTTP receiver on loopback (port 0, or a given one to come back on). `answer` decides
 * each reply; by default 200 "ok". `hang` leaves a request unanswered until the receiver closes.
 */
export async function startWebhookReceiver(port = 0) {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const state = { answer: (_request: Received, response: ServerResponse): void | 'hang' => void response.end('ok') };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      if (state.answer(entry, response) === 'hang') hanging.add(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    received,
    state,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
