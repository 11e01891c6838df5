import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The browser suites drive Debian's chromium (never a downloaded browser). On a developer
// machine without it they are left out, loudly; in CI a missing browser fails them instead.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const withoutBrowser = !existsSync(chromium) && !process.env.CI;
if (withoutBrowser) {
  console.warn(`\n⚠ ${chromium} not found: skipping test/browser (install it with: apt-get install -y chromium)\n`);
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(withoutBrowser ? ['test/browser/**'] : [])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the browser and workerd suites each want one.
    maxWorkers: 2,
  },
});
