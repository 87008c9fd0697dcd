import type { Config } from 'jest';
import base from './jest.config';

// The Angular integration tests: the base config plus a transform for Angular's ESM-only .mjs files.
// `npm test` runs them too once jest.config.ts carries the same additions (testMatch, transform, ignore pattern).
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/angular/**/*.test.ts'],
  transform: {
    ...base.transform,
    '^.+/node_modules/@angular/.+\\.mjs$': '<rootDir>/test/angular/esm-transformer.mjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!(aedes|@angular)/)'],
};

export default config;
