/**
 * Pipeable operators for MQTT message streams. Each lives in its own file; this barrel re-exports them.
 *
 * @packageDocumentation
 */
export { decodeJson } from './decode-json.js';
export { decodeWith } from './decode-with.js';
export { matchTopic } from './match-topic.js';
export { onlyRetained, skipRetained, type RetainFlagged } from './retained.js';
export type { DecodeOperatorOptions } from '../streams/decode-operator.js';
export { retryBackoff, type RetryBackoffConfig, type RetryScheduled } from './retry-backoff.js';
export { backoffDelay, type BackoffConfig } from './backoff-delay.js';
export {
  publishTo,
  type PublishTarget,
  type PublishOutcome,
  type PublishSucceeded,
  type PublishFailed,
  type PublishToOptions,
  type TopicSelector,
} from './publish-to.js';
