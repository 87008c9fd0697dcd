/**
 * The packets the connector writes while it handles one socket read leave together
 * (src/connector/read-batched-writes.ts), over real sockets to aedes: a subscriber acknowledges a burst of
 * QoS 1 and QoS 2 messages in full, each message received once and in order, in fewer socket writes
 * than answers; a QoS 2 publisher sends its PUBRELs and the publishes the acks let through likewise.
 * MQTT.js alone writes every one of those packets with a system call of its own.
 */
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttConnector } from '../../../src/index.js';
import type { QoS } from '../../../src/connector/types.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { countClientSockets } from '../../support/client-sockets';
import { eventually } from '../../support/eventually';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

const COUNT = 300;

/** Counts the writes `socket` hands to the kernel from now on (one per `_write` or `_writev`). */
function countWrites(socket: Socket): () => number {
  let writes = 0;
  const internals = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const method of ['_write', '_writev'] as const) {
    const original = internals[method];
    internals[method] = function (this: Socket, ...args: unknown[]) {
      writes += 1;
      return original.apply(this, args);
    };
  }
  return () => writes;
}

/** A connector connected to `url`, with the socket it opened. */
async function connectorWithSocket(
  url: string,
  clientId: string,
): Promise<{ connector: MqttConnector; socket: Socket }> {
  const opened = countClientSockets();
  const connector = new MqttConnector({ mqttBroker: url, clientId, throttleInterval: 0, logLevel: 'error' });
  try {
    expect(await connector.connect()).toBe(true);
  } finally {
    opened.stop();
  }
  expect(opened.sockets).toHaveLength(1);
  return { connector, socket: opened.sockets[0] as Socket };
}

const sequence = (count: number) => Array.from({ length: count }, (_, i) => `message ${i}`);

describe('writes batched per socket read', () => {
  let broker: EmbeddedBroker;
  let connector: MqttConnector | undefined;
  let publisher: MqttClient | undefined;
  let subscriber: RawSubscriber | undefined;

  beforeEach(async () => {
    broker = await startAedes();
  });

  afterEach(async () => {
    await connector?.disconnect({ flush: false });
    await publisher?.endAsync();
    await subscriber?.end();
    connector = undefined;
    publisher = undefined;
    subscriber = undefined;
    await broker.close();
  });

  it.each([
    { qos: 1 as const, answers: 'PUBACK', perMessage: 1 },
    { qos: 2 as const, answers: 'PUBREC and PUBCOMP', perMessage: 2 },
  ])(
    'a subscriber answers a QoS $qos burst ($answers) in full, in fewer writes',
    async ({ qos, perMessage }) => {
      const started = await connectorWithSocket(broker.url, 'batched-subscriber');
      connector = started.connector;
      // aedes reports each PUBACK (QoS 1) and PUBCOMP (QoS 2, after the PUBREC) it reads.
      let acknowledged = 0;
      broker.broker.on('ack', (_packet, client) => {
        if (client?.id === 'batched-subscriber') acknowledged += 1;
      });
      const topic = `batched/${qos}`;
      const received: string[] = [];
      const subscription = connector
        .subscribe<string>(topic, { qos })
        .subscribe((message) => received.push(message.payload));
      await connector.whenSubscribed(topic);
      const writes = countWrites(started.socket);

      publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await Promise.all(sequence(COUNT).map((text) => publisher?.publishAsync(topic, text, { qos })));
      await eventually(() => received.length >= COUNT && acknowledged >= COUNT, 10_000);
      subscription.unsubscribe();

      expect(received).toEqual(sequence(COUNT));
      expect(acknowledged).toBe(COUNT);
      expect(writes()).toBeLessThan((COUNT * perMessage) / 2);
    },
  );

  it('a QoS 2 publisher sends its PUBRELs and next publishes in fewer writes, every message once', async () => {
    subscriber = await rawSubscriber(broker.url, 'batched/out', 2);
    const started = await connectorWithSocket(broker.url, 'batched-publisher');
    connector = started.connector;
    const writes = countWrites(started.socket);
    const results = await Promise.all(
      sequence(COUNT).map((text) => connector?.publish('batched/out', text, { qos: 2 as QoS })),
    );
    expect(new Set(results.map((result) => result?.status))).toEqual(new Set(['acknowledged']));
    const received = await subscriber.waitFor(COUNT);
    expect(received.map(({ payload }) => new TextDecoder().decode(payload))).toEqual(sequence(COUNT));
    // COUNT PUBLISH and COUNT PUBREL packets.
    expect(writes()).toBeLessThan(COUNT);
  });
});
