/**
 * TEST-ONLY: a minimal MqttPort over a raw MQTT.js client, with the optional `publishCallback` fast
 * path. It exists to measure that fast path (micro-bench.ts) and to test the pipeline with it; the
 * connector's real port is src/connector/mqtt-client.ts. No reconnection, no stores across reconnects.
 */
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { Subject } from 'rxjs';
import type { QoS } from '../../../../src/connector/types.js';
import type {
  ConnAck,
  IncomingPublish,
  MqttPort,
  OutgoingPublishOptions,
  PublishAck,
} from '../../../../src/streams/port.js';
import type { PublishCallbackPort } from '../../../../src/streams/publish-pipeline.js';

/** A connected test-only port and its client. */
export interface TestOnlyRawPort extends MqttPort {
  publishCallback: PublishCallbackPort['publishCallback'];
  readonly client: MqttClient;
  end(): Promise<void>;
}

/** Connects a raw MQTT.js client (TCP_NODELAY on) and wraps it as a port. */
export async function connectTestOnlyRawPort(
  url: string,
  options: IClientOptions = {},
): Promise<TestOnlyRawPort> {
  const connack$ = new Subject<ConnAck>();
  const connectionLost$ = new Subject<void>();
  const incoming$ = new Subject<IncomingPublish>();
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  let current: ConnAck | undefined = { sessionPresent: false, broker: url };
  client.on('close', () => {
    if (current) connectionLost$.next();
    current = undefined;
  });
  client.on('message', (topic, payload, packet) =>
    incoming$.next({ topic, payload, qos: packet.qos as QoS, retain: packet.retain, dup: packet.dup }),
  );
  const toBuffer = (payload: Uint8Array) =>
    Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const publishCallback = (
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: (error: unknown, ack: PublishAck | undefined) => void,
  ) => {
    // Only set `properties` when there are some: an options object with `properties: undefined` made
    // MQTT.js 5.16's publish ~1.5 µs slower per message here (measured, micro-bench.ts).
    const opts: IClientPublishOptions = { qos: options.qos, retain: options.retain };
    if (options.properties !== undefined)
      opts.properties = options.properties as IClientPublishOptions['properties'];
    client.publish(topic, toBuffer(payload), opts, (error, packet) =>
      error
        ? done(error, undefined)
        : done(undefined, { reasonCode: (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0 }),
    );
  };
  return {
    client,
    connack$,
    connectionLost$,
    incoming$,
    isConnected: () => current !== undefined,
    currentConnAck: () => current,
    subscribe: async (requests) => {
      const granted = await client.subscribeAsync(
        Object.fromEntries(requests.map((r) => [r.filter, { qos: r.qos }])),
      );
      return granted.map((g) => g.qos);
    },
    unsubscribe: async (filters) => {
      await client.unsubscribeAsync([...filters]);
    },
    publish: (topic, payload, options) =>
      new Promise((resolve, reject) =>
        publishCallback(topic, payload, options, (error, ack) => (ack ? resolve(ack) : reject(error))),
      ),
    publishCallback,
    end: () => client.endAsync(),
  };
}
