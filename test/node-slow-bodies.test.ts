import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeEntry } from './support/node-entry.ts';

const dir = mkdtempSync(join(tmpdir(), 'formharbor-slow-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ADDRESSES = 8;
const SOCKETS_PER_ADDRESS = 30;
const DECLARED = 1_000_000;
// All but the last few bytes: the body never completes, as in the review's attack.
const TRICKLED = Buffer.alloc(DECLARED - 10, 'a');

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * Opens a socket from a loopback address of its own (Linux routes all of 127/8 locally) and
 * sends all of a 1 MB body but its end: declared by Content-Length, or one chunk of a chunked body.
 */
function trickle(port: number, from: string, chunked: boolean) {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress: from });
  const outcome = { status: '', closed: false };
  socket.on('data', (chunk: Buffer) => (outcome.status ||= /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? '?'));
  // The server may cut the socket mid-write: that is the point.
  socket.on('error', () => {});
  socket.on('close', () => (outcome.closed = true));
  const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${DECLARED}`;
  socket.write(`POST /f/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n${framing}\r\n\r\n`);
  if (chunked) socket.write(`${TRICKLED.length.toString(16)}\r\n`);
  socket.write(TRICKLED);
  return outcome;
}

/** An ordinary submission, from an address no attacker uses. */
const submit = (port: number) =>
  new Promise<number>((resolve, reject) => {
    const body = 'email=visitor%40site.test&message=hello';
    const req = request(
      {
        port,
        host: '127.0.0.1',
        localAddress: '127.0.0.200',
        method: 'POST',
        path: '/f/slow',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, accept: 'application/json' },
      },
      (res) => resolve(res.resume().statusCode!),
    );
    req.on('error', reject);
    req.end(body);
  });

describe('slow bodies (docs/security.md row 34)', () => {
  it('should close sockets trickling 1 MB bodies at the deadline, keep memory bounded and serve others meanwhile', async () => {
    const started = await startNodeEntry({ DATABASE_URL: `file:${join(dir, 'slow.db')}`, HEADERS_TIMEOUT: '2s', REQUEST_TIMEOUT: '3s' });
    child = started.child;
    const { port } = started;
    const created = await fetch(`http://127.0.0.1:${port}/api/forms`, {
      method: 'POST',
      headers: { authorization: 'Bearer entry-token-0123456789-abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'slow', name: 'Slow', recipients: ['owner@site.test'] }),
    });
    expect(created.status).toBe(201);
    expect(await submit(port)).toBe(201);
    const baseline = rssMb(child.pid!);

    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child!.pid!))), 50);
    const sockets = Array.from({ length: ADDRESSES * SOCKETS_PER_ADDRESS }, (_, i) =>
      // Every other one chunked: a body without a declared length must be capped the same way.
      trickle(port, `127.0.0.${10 + (i % ADDRESSES)}`, i % 2 === 1),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await submit(port)).toBe(201);
      // REQUEST_TIMEOUT (3 s) plus Node's check every second, with room for a loaded machine.
      await expect.poll(() => sockets.filter((s) => !s.closed).length, { timeout: 15_000, interval: 200 }).toBe(0);
    } finally {
      clearInterval(sampler);
    }
    const statuses: Record<string, number> = {};
    for (const { status } of sockets) statuses[status] = (statuses[status] ?? 0) + 1;
    console.log(`RSS ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; answers`, statuses);
    // Refused at once (429 per address, 503 in total) or cut at the deadline (408): none read to the end.
    expect(Object.keys(statuses)).toEqual(expect.arrayContaining(['408', '429']));
    expect(Object.keys(statuses).filter((status) => !['408', '429', '503'].includes(status))).toEqual([]);
    // 240 bodies of 1 MB would be 240 MB (measured without the caps: +253 MB); 8 addresses × 4 are read at once (+80 MB).
    expect(peak - baseline).toBeLessThan(150);
    expect(await submit(port)).toBe(201);
    // About 8 s alone; the ceiling is for a machine loaded by a whole parallel run (startup alone then takes 10 s or more).
  }, 60_000);
});
