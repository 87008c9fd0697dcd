/**
 * The connector's two data paths, the publish pipeline and the subscription registry: built from the
 * connector's options ({@link createDataPaths}), and kept in order after each CONNACK
 * ({@link wireDataPaths}): subscriptions are restored (when the broker kept no session) before the
 * publish queue is released, so nothing published after a reconnect can overtake the SUBSCRIBE that
 * would receive it. A drop pauses the queue at once.
 *
 * @internal
 */
import type { SchedulerLike } from 'rxjs';
import { PublishPipeline } from '../streams/publish-pipeline.js';
import type { MqttPort } from '../streams/port.js';
import { SubscriptionRegistry } from '../streams/subscription-registry.js';
import type { Logger } from './logger.js';
import type { MqttClientHandle } from './mqtt-client.js';
import type { Observability } from './observability.js';
import { attemptLimit, nonNegative, positiveInteger, type ResolvedOptions } from './options.js';
import type { MqttConnectorOptions } from './types.js';

/** The publish pipeline and the subscription registry of one connector. */
export interface DataPaths {
  readonly pipeline: PublishPipeline;
  readonly registry: SubscriptionRegistry;
}

/**
 * Builds both data paths over `port` from the connector's `options` (`resolved`: the ones the connection
 * validated already), reporting to `observability`.
 *
 * @throws InvalidOptionsError naming the option, for an invalid data-path option.
 */
export function createDataPaths(
  port: MqttPort,
  options: MqttConnectorOptions,
  resolved: ResolvedOptions,
  scheduler: SchedulerLike,
  logger: Logger,
  observability: Observability,
): DataPaths {
  const log = logger.log.bind(logger);
  const pipeline = new PublishPipeline(port, {
    throttleInterval: resolved.throttleInterval,
    throttleMode: options.throttleMode,
    topicThrottle: options.topicThrottle,
    maxQueued: options.maxQueued,
    overflow: options.overflow,
    encoder: options.encoder,
    protocolVersion: resolved.protocolVersion,
    maxInFlight: options.maxInFlight,
    maxPendingWrites: options.maxPendingWrites,
    publishTimeout: options.publishTimeout,
    scheduler,
    log,
    onAccepted: (topic, qos) => observability.trackPublish(topic, qos),
    onSettled: (topic, qos, result, error) => observability.publishSettled(topic, qos, result, error),
  });
  const registry = new SubscriptionRegistry(port, {
    scheduler,
    log,
    maxRetained: nonNegative(options.maxRetained, 'maxRetained', 1000),
    maxRetainedBytes: nonNegative(options.maxRetainedBytes, 'maxRetainedBytes', 16 * 1024 * 1024),
    defaultGracePeriod: nonNegative(options.unsubscribeGracePeriod, 'unsubscribeGracePeriod', 0),
    subscribeBatchSize: positiveInteger(options.subscribeBatchSize, 'subscribeBatchSize', 100),
    maxRestoreAttempts: attemptLimit(options.maxRestoreAttempts, 'maxRestoreAttempts', 20),
  });
  return { pipeline, registry };
}

/** Keeps the data paths in step with the connection (see the module documentation). */
export function wireDataPaths(
  client: MqttClientHandle,
  registry: SubscriptionRegistry,
  pipeline: PublishPipeline,
  logger: Logger,
  observability: Observability,
): void {
  // Each connection gets a number; work for a connection that ended meanwhile is dropped.
  let connection = 0;
  client.connack$.subscribe((connAck) => {
    const current = ++connection;
    // The registry sends the restoring SUBSCRIBEs synchronously inside onConnected: mark them as such.
    observability.restoring = true;
    const restored = registry.onConnected(connAck);
    observability.restoring = false;
    restored
      .catch((error: unknown) => logger.log('warn', 'Restoring subscriptions failed', { error }))
      .finally(() => {
        if (current === connection && client.isConnected()) pipeline.resume();
      });
  });
  client.connectionLost$.subscribe(() => {
    connection += 1;
    pipeline.pause();
  });
  client.incoming$.subscribe(() => observability.onReceived());
  registry.errors$.subscribe((error) => observability.onReported(error));
}
