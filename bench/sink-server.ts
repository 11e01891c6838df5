// The benchmark's SMTP server, in its own process as a real one would be: it accepts and
// counts, and tells the parent its port and, when asked, how many messages it took and how
// many distinct Message-IDs they carried (a retry keeps its Message-ID: fewer ids are duplicates).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const messageIds = new Set<string>();
const server = new SMTPServer({
  disableReverseLookup: true,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    // The headers come first: the Message-ID is in the first chunks of any message.
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 16_384) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      received++;
      const id = /^message-id:\s*(\S+)/im.exec(head)?.[1];
      if (id) messageIds.add(id);
      callback(null, 'Queued');
    });
  },
});
// A client that drops its connection (a Worker invocation cut off) is no reason to stop
// counting; anything else (the port, say) still ends the sink loudly.
server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
process.on('message', () => process.send!({ received, distinct: messageIds.size }));
process.on('disconnect', () => process.exit(0));
