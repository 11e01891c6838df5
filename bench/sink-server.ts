// The benchmark's SMTP server, in its own process as a real one would be: it accepts and
// counts, and tells the parent its port and, when asked, how many messages it took.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  disableReverseLookup: true,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      received++;
      callback(null, 'Queued');
    });
  },
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
process.on('message', () => process.send!({ received }));
process.on('disconnect', () => process.exit(0));
