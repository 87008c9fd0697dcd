/**
 * The order of things after each CONNACK: subscriptions are restored (when the broker kept no session)
 * before the publish queue is released, so nothing published after a reconnect can overtake the
 * SUBSCRIBE that would receive it. A drop pauses the queue at once.
 *
 * @internal
 */
import type { PublishPipeline } from '../streams/publish-pipeline.js';
import type { SubscriptionRegistry } from '../streams/subscription-registry.js';
import type { Logger } from './logger.js';
import type { MqttClientHandle } from './mqtt-client.js';
import type { Observability } from './observability.js';

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
