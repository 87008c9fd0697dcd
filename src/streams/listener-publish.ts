/**
 * The connector's promise-free publish, found by the `publishTo` operator without importing the
 * connector: a function under a registered symbol (`Symbol.for`, so the ESM and CommonJS builds of this
 * package, when both are loaded, still find each other's).
 *
 * @internal
 */
import type { MqttConnectorError } from '../connector/errors.js';
import type { PublishOptions, PublishResult } from './publish-types.js';

/**
 * Hears a publish's settlement instead of a promise: with it, a burst of thousands of publishes holds no
 * promise, resolving functions or reactions per message.
 */
export interface SettlementListener {
  /** Called once, with the result or the error the publish's promise would have settled with. */
  settled(result: PublishResult | undefined, error: MqttConnectorError | undefined): void;
}

/**
 * Publishes like `MqttConnector.publish`, but reports to `listener` (synchronously when the publish is
 * refused at the call) instead of returning a promise. Never throws.
 */
export type ListenerPublish = (
  topic: string,
  message: unknown,
  options: PublishOptions | undefined,
  listener: SettlementListener,
) => void;

const KEY: unique symbol = Symbol.for('mqtt-connector.listenerPublish');

/** Gives `target` its promise-free publish (a non-enumerable property: not part of its public type). */
export function provideListenerPublish(target: object, publish: ListenerPublish): void {
  Object.defineProperty(target, KEY, { value: publish });
}

/** The promise-free publish of `target`, if it has one. */
export function listenerPublishOf(target: object): ListenerPublish | undefined {
  const publish = (target as { [KEY]?: unknown })[KEY];
  return typeof publish === 'function' ? (publish as ListenerPublish) : undefined;
}
