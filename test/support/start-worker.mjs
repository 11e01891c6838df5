// `wrangler dev` without its DevTools inspector, for the benchmarks and the Queue tests: the
// same runtime, local D1, Queue and proxy Worker, started through wrangler's own startWorker API
// (what `wrangler dev` calls) with `dev.inspector: false`, which the CLI has no flag for. With
// the inspector, wrangler's inspector proxy sends every message the runtime emits (a request's
// log line, four Network events per D1 call or fetch) to wrangler's Node process as an HTTP
// request of its own, which appends it to the debug log file: more CPU a submission than the
// Worker itself. A deployed Worker has no inspector attached.
//
// Usage: node start-worker.mjs '<JSON of { config, port, persist, vars }>'; SIGTERM ends it.
import { getNodeCompat } from 'miniflare';
import { unstable_startWorker } from 'wrangler';

const { config, port, persist, vars } = JSON.parse(process.argv[2]);
const worker = await unstable_startWorker({
  config,
  // As the CLI bundles: Node.js built-ins per the config's compatibility date and flags.
  build: { nodejsCompatMode: (parsed) => getNodeCompat(parsed.compatibility_date, parsed.compatibility_flags ?? []).mode },
  bindings: Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, { type: 'plain_text', value }])),
  dev: {
    server: { hostname: '127.0.0.1', port },
    inspector: false,
    persist,
    testScheduled: true,
    watch: false,
  },
});
await worker.ready;
console.log(`Ready on ${(await worker.url).href}`);

const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
