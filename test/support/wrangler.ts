import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

// Runs the real wrangler CLI (local workerd + local D1) from the repository root, with
// every piece of local state under a directory the test owns.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));
const START_WORKER = fileURLToPath(new URL('./start-worker.mjs', import.meta.url));

/** A port nobody listens on right now: bind port 0, read it, let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Non-interactive, no telemetry, logs inside the test's directory. */
const wranglerEnv = (stateDir: string, extra: Record<string, string> = {}) => ({
  ...process.env,
  ...extra,
  CI: '1',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_LOG_PATH: `${stateDir}/logs`,
  WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
  FORCE_COLOR: '0',
});

/** Runs one wrangler command to completion; rejects with its output when it fails. */
export async function wrangler(args: string[], stateDir: string, timeoutMs = 90_000): Promise<string> {
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: wranglerEnv(stateDir),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`wrangler ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/**
 * Ends the process group we spawned (wrangler and its workerd), and nothing else. Sent even
 * after wrangler itself exited, so a workerd it left behind goes too.
 */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Every `wrangler dev` group still running. They are started detached (their own group, so a
 * stop takes workerd too), which also means nothing ends them when this process dies: a bench
 * stopped by `timeout` once left two of them running, their workerd at 45% of a core each for
 * half an hour, under every figure measured after it. Exiting kills what is left.
 */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/**
 * `pid` leads the process group of wrangler and its workerd; `inspectorPort` is the user Worker's
 * DevTools protocol, through wrangler's inspector proxy (none when started without the inspector).
 */
export type WranglerDev = { url: string; pid: number; inspectorPort?: number; output: () => string; stop: () => Promise<void> };

/**
 * The project's wrangler.toml without its queue blocks, written into `dir`: a deployment
 * without Queues. Paths in it are made absolute, since wrangler reads them from the file's folder.
 */
export function configWithoutQueues(dir: string): string {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^\[\[queues\.(producers|consumers)\]\]\n(?:[^[\n].*\n|\n)*/gm, '')
    .replace(/^main = "(.+)"$/m, (_, path: string) => `main = ${JSON.stringify(join(ROOT, path))}`)
    .replace(/^migrations_dir = "(.+)"$/m, (_, path: string) => `migrations_dir = ${JSON.stringify(join(ROOT, path))}`);
  const file = join(dir, 'wrangler.toml');
  writeFileSync(file, toml);
  return file;
}

/**
 * `wrangler dev` on free ports with its D1 under `stateDir`, `--test-scheduled` so that
 * GET /__scheduled runs the cron handler. `vars` may depend on the address it will answer at
 * (PUBLIC_URL). Resolves once /healthz answers `readyStatus` (200 unless a test wants a refusal).
 * `inspector: false` starts it without DevTools (start-worker.mjs says why benchmarks want that).
 */
export async function startWranglerDev(
  stateDir: string,
  varsFor: Record<string, string> | ((url: string) => Record<string, string>),
  options: StartOptions = {},
): Promise<WranglerDev> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(stateDir, varsFor, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === PORT_ATTEMPTS) throw error;
    }
  }
}

type StartOptions = { env?: Record<string, string>; readyTimeoutMs?: number; readyStatus?: number; config?: string; inspector?: boolean };

/**
 * A port `freePort` let go can be taken before workerd binds it: any outgoing connection may get
 * it as its local port, and a bench's load makes thousands. Then wrangler exits, and starting
 * again on other ports is all there is to do.
 */
class PortTaken extends Error {}
const PORT_ATTEMPTS = 3;

async function startOnce(
  stateDir: string,
  varsFor: Record<string, string> | ((url: string) => Record<string, string>),
  { env = {}, readyTimeoutMs = 90_000, readyStatus = 200, config, inspector = true }: StartOptions,
): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = inspector ? await freePort() : undefined;
  const url = `http://127.0.0.1:${port}`;
  const vars = typeof varsFor === 'function' ? varsFor(url) : varsFor;
  let args: string[];
  if (inspectorPort === undefined) {
    const options = { config: config ?? join(ROOT, 'wrangler.toml'), port, persist: stateDir, vars };
    args = [START_WORKER, JSON.stringify(options)];
  } else {
    args = [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      stateDir,
    ];
    args.push('--test-scheduled', '--show-interactive-dev-session=false');
    if (config) args.push('--config', config);
    for (const [name, value] of Object.entries(vars)) args.push('--var', `${name}:${value}`);
  }
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: wranglerEnv(stateDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  running.add(child);
  const exited = once(child, 'exit');
  const dev: WranglerDev = {
    url,
    pid: child.pid!,
    inspectorPort,
    output: () => output,
    async stop() {
      killGroup(child);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await dev.stop();
      const Failure = /Address already in use/.test(output) ? PortTaken : Error;
      throw new Failure(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === readyStatus) return dev;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await dev.stop();
      throw new Error(`wrangler dev did not answer /healthz with ${readyStatus} within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * A TCP relay on a port that stays the same while its listener goes away and comes back:
 * the Worker knows only this port, so closing it is an SMTP server that went down.
 */
export async function startRelay(firstTarget: number) {
  let targetPort = firstTarget;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', drop).on('close', drop);
        }
        client.pipe(upstream).pipe(client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Refuses new connections and cuts the open ones. */
    async stop(): Promise<void> {
      const current = server;
      server = undefined;
      sockets.forEach((socket) => socket.destroy());
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    /** Listens again on the same port. */
    start: listen,
    /** Sends new connections to another server on this machine. */
    target(port: number) {
      targetPort = port;
    },
  };
}

export type TestCertificate = { caFile: string; key: Buffer; cert: Buffer };

/**
 * A private CA and a server certificate for 127.0.0.1, made with the openssl CLI. workerd
 * verifies every certificate (tls.rejectUnauthorized=false is not implemented there), and
 * wrangler dev adds NODE_EXTRA_CA_CERTS to what it trusts. Undefined without openssl.
 */
export function testCertificate(dir: string): TestCertificate | undefined {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  try {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Formharbor test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('smtp.key'), '-out', file('smtp.csr'), '-subj', '/CN=127.0.0.1');
    writeFileSync(file('smtp.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('smtp.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('smtp.pem'),
      '-days',
      '2',
      '-extfile',
      file('smtp.ext'),
    );
  } catch {
    return undefined;
  }
  return { caFile: file('ca.pem'), key: readFileSync(file('smtp.key')), cert: readFileSync(file('smtp.pem')) };
}
