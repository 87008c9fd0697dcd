import type { Config } from 'jest';

// aedes 1.x and Angular ship ESM only; Jest's CommonJS runtime on Node 20 cannot require() it,
// so its own files are transpiled to CommonJS like ours (its dependencies are CommonJS).
const esmOnlyPackages = ['aedes', '@angular'];

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: [
    '<rootDir>/test/unit/**/*.test.ts',
    '<rootDir>/test/integration/**/*.test.ts',
    '<rootDir>/test/angular/**/*.test.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    '^.+/node_modules/@angular/.+\\.mjs$': '<rootDir>/test/angular/esm-transformer.mjs',
    '^.+/node_modules/(aedes)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  // Sources import siblings as './x.js' (required by Node's ESM build); map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 20_000,
};

export default config;
