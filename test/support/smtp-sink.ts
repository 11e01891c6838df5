import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export type ReceivedMail = { envelope: { from: string; to: string[] }; raw: string; parsed: ParsedMail };

/** What the sink does at each step; tests flip it to simulate an unhealthy server. */
export type SinkBehaviour = {
  /** Reply instead of the 220 greeting, after which the server hangs up, e.g. "421 4.3.2 Try again later". */
  greeting?: string;
  /** SMTP reply for RCPT TO, e.g. "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user". */
  rcpt?: string;
  /** Like `rcpt`, for single addresses: the others are accepted. */
  rcptFor?: Record<string, string>;
  /** SMTP reply after the final dot instead of 250. */
  data?: string;
  /** Destroy the socket in the middle of DATA. */
  dropMidData?: boolean;
  /** Accept the message, then destroy the socket before replying 250. */
  dropAfterDot?: boolean;
  /** Wait this long after the final dot before answering: a slow server. */
  replyDelayMs?: number;
};

export type SinkOptions = Partial<SMTPServerOptions> & {
  /** Credentials the server accepts; without them AUTH is not offered. */
  auth?: { user: string; pass: string };
  /** Listen on this port (to bring a stopped sink back where clients expect it); ephemeral by default. */
  port?: number;
  /** Offer STARTTLS with smtp-server's built-in, self-signed certificate. */
  starttls?: boolean;
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
export async function startSmtpSink(options: SinkOptions = {}) {
  const messages: ReceivedMail[] = [];
  const attempts: { at: 'connect' | 'data' | 'rcpt'; outcome: string }[] = [];
  const behaviour: SinkBehaviour = {};
  const stats = { connections: 0, secure: 0 };
  const auths: { user: string; secure: boolean }[] = [];
  const waiters: (() => void)[] = [];
  const { auth, port: wantedPort = 0, starttls = false, ...serverOptions } = options;
  const server = new SMTPServer({
    disableReverseLookup: true,
    authOptional: !auth,
    allowInsecureAuth: true,
    // STARTTLS off unless a test asks for it: smtp-server's built-in certificate is not trusted.
    disabledCommands: [...(auth ? [] : ['AUTH']), ...(starttls ? [] : ['STARTTLS'])],
    logger: false,
    closeTimeout: 200,
    ...serverOptions,
    onConnect(_session, callback) {
      stats.connections++;
      if (behaviour.greeting) {
        attempts.push({ at: 'connect', outcome: behaviour.greeting });
        return callback(replyError(behaviour.greeting));
      }
      callback();
    },
    onAuth(credentials, session, callback) {
      auths.push({ user: String(credentials.username), secure: session.secure });
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) return callback(null, { user: auth.user });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, session, callback) {
      if (session.secure) stats.secure++;
      const reply = behaviour.rcptFor?.[address.address] ?? behaviour.rcpt;
      if (reply) {
        attempts.push({ at: 'rcpt', outcome: reply });
        return callback(replyError(reply));
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
        if (behaviour.replyDelayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.replyDelayMs));
        if (behaviour.data) {
          attempts.push({ at: 'data', outcome: behaviour.data });
          return callback(replyError(behaviour.data));
        }
        const parsed = await simpleParser(raw);
        messages.push({
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw,
          parsed,
        });
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
  // Sockets the sink cuts on purpose report errors here; an unheard 'error' would crash the run.
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(wantedPort, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: auth ? `smtp://${auth.user}:${auth.pass}@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    behaviour,
    /** Connections opened so far, and RCPT commands that arrived over TLS. */
    stats,
    /** Every AUTH that reached the server: whose, and whether over TLS. */
    auths,
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
