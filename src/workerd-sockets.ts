// SMTP from a Worker: what nodemailer needs of workerd's node:net, and how many sockets a batch
// may hold. Imported by worker.ts and by the bench's nodemailer-alone Worker, for the same sockets.

// workerd hands warnings to node:process only once that module is loaded; without it each
// SMTP session ends in an "Uncaught TypeError" from a MaxListeners warning (workerd#7310).
import 'node:process';
import { Socket } from 'node:net';

/**
 * workerd's net.Socket re-arms its idle timer on every read and write with
 * `s[kTimeout] = this.setTimeout(...)`, which stores the socket, not the timer: no timer is ever
 * cleared again. The one `net.connect({ timeout })` starts (nodemailer passes its 10 s
 * connectionTimeout) then fires 10 s after connecting, whatever the session is doing, and
 * nodemailer fails it with ETIMEDOUT, even after the server took the message: under load the
 * retry sent it twice. Each re-arm also added a 'timeout' listener (the MaxListeners warning
 * above). Re-arming through setTimeout alone restores Node's meaning: time without activity.
 */
type WrappedSocket = Socket & { _parentWrap?: WrappedSocket; _unrefTimer(): void };
function rearmIdleTimer(socket: WrappedSocket | undefined): void {
  if (!socket) return;
  if (socket.timeout) socket.setTimeout(socket.timeout);
  rearmIdleTimer(socket._parentWrap);
}
(Socket.prototype as WrappedSocket)._unrefTimer = function (this: WrappedSocket) {
  rearmIdleTimer(this);
};

/**
 * SMTP connections a batch sends over, per relay. A message takes five round trips on its
 * connection: to a relay 30 ms away, 50 messages on one connection wait 7.5 s, on three 2.5 s.
 * (On this machine's loopback the CPU, not the round trips, bounds a batch: 1.6–1.8 s under
 * load either way.) Workers allow six open at once per invocation: three to the primary and
 * three to the backup fit.
 */
export const BATCH_CONNECTIONS = 3;
