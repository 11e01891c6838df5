import { defineConfig } from 'drizzle-kit';

// The SQL in drizzle/ is applied by the Node entry and by `wrangler d1 migrations apply`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
