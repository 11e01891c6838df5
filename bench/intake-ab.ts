/**
 * Intake CPU per submission of this build against another build of the project (e.g. the commit
 * before webhooks), alternated in one run so both meet the same neighbours on a shared machine.
 * `BASE_DIR=/path/to/other/checkout` (built with `npm run build`); `ROUNDS` (default 3).
 * Only the demo form is posted to: it has no webhooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measure, START_SCRIPT, startServer } from './servers.ts';

const baseDir = process.env.BASE_DIR;
if (!baseDir) throw new Error('BASE_DIR must name the other build');
const rounds = Number(process.env.ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'formharbor-intake-ab-'));

async function cpuPerSubmission(script: string, database: string) {
  const server = await startServer([script], {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `file:${join(dir, database)}`,
    RATE_LIMIT: 'off',
    SMTP_URL: '',
    ADMIN_TOKEN: 'bench-token-0123456789-abcdef',
    ADMIN_PASSWORD: 'bench-password',
  });
  const result = await measure(server, '/f/demo');
  await server.stop();
  return result.cpuUsPerRequest;
}

try {
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const base = await cpuPerSubmission(resolve(baseDir, START_SCRIPT), `base-${round}.db`);
    const now = await cpuPerSubmission(resolve(START_SCRIPT), `now-${round}.db`);
    ratios.push(Number((now / base).toFixed(3)));
    console.log(`round ${round + 1}: base ${base} µs, now ${now} µs, now/base ${ratios.at(-1)}`);
  }
  console.log(`now/base: min ${Math.min(...ratios)}, max ${Math.max(...ratios)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
