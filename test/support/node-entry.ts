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
