import { spawn, type ChildProcess } from 'node:child_process';

/** The real Node entry, as `npm start` runs it, on an ephemeral port; resolves once it listens. */
export function startNodeEntry(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      RATE_LIMIT: 'off',
      SMTP_URL: '',
      ADMIN_TOKEN: 'entry-token-0123456789-abcdef',
      ADMIN_PASSWORD: 'entry-password',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Read, so a chatty server never blocks on a full pipe; kept to say why a start failed.
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk).slice(-2000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const port = /\(port (\d+)\)/.exec(out)?.[1];
      if (port) resolve({ child, port: Number(port) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}${errors}`)));
  });
}

/**
 * Posts in 10 parallel loops until `victim` dies, SIGKILLed after `killAfterMs`; answers the ids
 * it acknowledged. `post(n)` sends the n-th submission.
 */
export async function loadUntilKilled(
  victim: ChildProcess,
  killAfterMs: number,
  post: (n: number) => Promise<Response>,
): Promise<string[]> {
  const acked: string[] = [];
  setTimeout(() => victim.kill('SIGKILL'), killAfterMs);
  let n = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (victim.exitCode === null && victim.signalCode === null) {
        try {
          const res = await post(n++);
          if (res.status === 201) acked.push(((await res.json()) as { id: string }).id);
        } catch {
          // the server died mid-request: that answer never arrived, so nothing was promised
        }
      }
    }),
  );
  return acked;
}
