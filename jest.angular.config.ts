import type { Config } from 'jest';
import base from './jest.config';

// The Angular integration tests alone (`npm run test:angular`): the base config, which `npm test` uses and
// which already transforms Angular's ESM-only .mjs files, narrowed to test/angular.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/angular/**/*.test.ts'],
};

export default config;
