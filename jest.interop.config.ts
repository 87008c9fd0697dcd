import type { Config } from 'jest';
import base from './jest.config';

// Interop tests start real brokers (mosquitto, nats-server, aedes in a child) as child processes on
// ephemeral loopback ports. Same transforms and module mapping as the default config; one worker so that
// broker start-up, NATS cluster elections and timing-sensitive fault tests do not fight for the CPU.
const config: Config = {
  ...base,
  testMatch: ['<rootDir>/test/interop/**/*.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
  slowTestThreshold: 15,
};

export default config;
