/**
 * mqtt-connector: MQTT as RxJS streams for reactive Node and Angular applications.
 *
 * @packageDocumentation
 */
export { MqttConnector, type MqttConnectorInternals } from './connector/mqtt-connector.js';
export * from './connector/errors.js';
export type * from './connector/types.js';
export { retryBackoff, type RetryBackoffConfig, type RetryScheduled } from './operators/retry-backoff.js';
export { backoffDelay, type BackoffConfig } from './operators/backoff-delay.js';
