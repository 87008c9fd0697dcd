import type { Config } from 'jest';
import base from './jest.config';

// `npm run test:browser`: the library in headless Chromium (scripts/ci-install-browser.sh installs it).
// Same transforms as `npm test`; only the browser tests, with room for Chromium's start and broker restarts.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
  testTimeout: 60_000,
};

export default config;
