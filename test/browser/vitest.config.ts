import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the stakeholder pages in Debian's Chromium (`/usr/bin/chromium`, or
 * `CHROMIUM_PATH`), driven by playwright-core. Apart from `npm test`, which needs no browser.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
