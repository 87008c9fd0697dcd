/**
 * mqtt-connector: MQTT as RxJS streams for reactive Node and Angular applications.
 *
 * @packageDocumentation
 */
export {
  MqttConnector,
  type MqttConnectorInternals,
  type DisconnectOptions,
} from './connector/mqtt-connector.js';
export * from './connector/errors.js';
export type * from './connector/types.js';
export type * from './connector/events.js';
export type {
  PublishOptions,
  PublishStatus,
  PublishResult,
  QueueLimits,
  TopicPacing,
  TopicThrottle,
  EncoderSpec,
} from './streams/publish-types.js';
export type * from './streams/subscribe-types.js';
export type { StandardSchemaV1 } from './streams/standard-schema.js';
export type {
  RequestOptions,
  RespondOptions,
  ServedRequest,
  ServedRequestAnswered,
  ServedRequestFailed,
  RequestHandler,
} from './streams/request-response.js';
export * from './operators/index.js';
