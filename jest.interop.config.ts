import type { Config } from 'jest';
import base from './jest.config';

// Interop tests start real brokers (mosquitto, nats-server, aedes in a child) as child processes on
// ephemeral loopback ports. Same transforms and module mapping as the default config; one worker so that
// broker start-up, NATS cluster elections and timing-sensitive fault tests do not fight for the CPU. The
// global setup prints the versions of the brokers the run is testing.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/interop/**/*.test.ts'],
  globalSetup: '<rootDir>/test/interop/global-setup.ts',
  testTimeout: 120_000,
  maxWorkers: 1,
  slowTestThreshold: 15,
};

export default config;
