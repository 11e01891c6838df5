import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export type ReceivedMail = { envelope: { from: string; to: string[] }; raw: string; parsed: ParsedMail };

/** What the sink does at each step; tests flip it to simulate an unhealthy server. */
export type SinkBehaviour = {
  /** SMTP reply for RCPT TO, e.g. "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user". */
  rcpt?: string;
  /** SMTP reply after the final dot instead of 250. */
  data?: string;
  /** Destroy the socket in the middle of DATA. */
  dropMidData?: boolean;
  /** Accept the message, then destroy the socket before replying 250. */
  dropAfterDot?: boolean;
};

type WithConnections = { connections: Set<{ _socket?: { destroy(): void } }> };

/** Cuts every open SMTP connection, as a crashed or unplugged server would. */
function dropConnections(server: SMTPServer): void {
  (server as unknown as WithConnections).connections.forEach((connection) => connection._socket?.destroy());
}

function replyError(reply: string): Error & { responseCode: number } {
  const code = Number(reply.slice(0, 3));
  return Object.assign(new Error(reply.slice(4)), { responseCode: code });
}

/** A real SMTP server on an ephemeral port that parses every accepted message. */
export async function startSmtpSink(options: Partial<SMTPServerOptions> & { auth?: { user: string; pass: string } } = {}) {
  const messages: ReceivedMail[] = [];
  const attempts: { at: 'data' | 'rcpt'; outcome: string }[] = [];
  const behaviour: SinkBehaviour = {};
  const waiters: (() => void)[] = [];
  const { auth, ...serverOptions } = options;
  const server = new SMTPServer({
    disableReverseLookup: true,
    authOptional: !auth,
    allowInsecureAuth: true,
    // STARTTLS off unless a test asks for it: smtp-server's built-in certificate is not trusted.
    disabledCommands: auth ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 200,
    ...serverOptions,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: auth.user });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (behaviour.rcpt) {
        attempts.push({ at: 'rcpt', outcome: behaviour.rcpt });
        return callback(replyError(behaviour.rcpt));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (behaviour.dropMidData && size > 0) dropConnections(server);
      });
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (behaviour.dropMidData) return;
        if (behaviour.data) {
          attempts.push({ at: 'data', outcome: behaviour.data });
          return callback(replyError(behaviour.data));
        }
        const parsed = await simpleParser(raw);
        messages.push({ envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) }, raw, parsed });
        waiters.splice(0).forEach((wake) => wake());
        if (behaviour.dropAfterDot) {
          attempts.push({ at: 'data', outcome: 'dropped after dot' });
          return dropConnections(server);
        }
        attempts.push({ at: 'data', outcome: '250' });
        callback(null, 'Queued as test');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: auth ? `smtp://${auth.user}:${auth.pass}@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    behaviour,
    /** Resolves once at least `count` messages have arrived. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return messages;
    },
    async close(): Promise<void> {
      dropConnections(server);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
