/**
 * `mqtt-connector/testing`: helpers for testing applications built on mqtt-connector. An embedded MQTT
 * broker (aedes) on ephemeral ports that you can stop and start again to simulate an outage, and
 * promise-returning waits for messages and connection states, with timeouts that say what was seen.
 *
 * Node only. aedes (1.x) and ws are optional peer dependencies of mqtt-connector: install them as dev
 * dependencies to use {@link startBroker}. The core package never imports this module.
 *
 * @example
 * ```ts
 * import { MqttConnector } from 'mqtt-connector';
 * import { firstMessage, startBroker } from 'mqtt-connector/testing';
 *
 * const broker = await startBroker();
 * const connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0 });
 * await connector.connect();
 * const hello = firstMessage(connector, 'greetings/+');
 * await connector.whenSubscribed('greetings/+');
 * await connector.publish('greetings/world', 'hello', { qos: 1 });
 * console.log((await hello).payload); // 'hello'
 * await connector.disconnect();
 * await broker.close();
 * ```
 *
 * @packageDocumentation
 */
export {
  startBroker,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
  type BrokerPublishOptions,
  type PublishedMessage,
} from './embedded-broker.js';
export {
  firstMessage,
  collectMessages,
  type MessageSource,
  type TopicBearing,
  type MessageFilter,
  type MessageWaitOptions,
  type ConnectorWaitOptions,
  type CollectOptions,
} from './wait-for-messages.js';
export {
  waitForState,
  type StateSource,
  type StateExpectation,
  type WaitForStateOptions,
} from './wait-for-state.js';
export { DEFAULT_WAIT_TIMEOUT, type WaitOptions } from './wait-options.js';
