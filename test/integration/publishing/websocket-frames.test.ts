/**
 * Over WebSocket in Node, MQTT.js's stream sends every chunk that mqtt-packet writes as a WebSocket frame of
 * its own: five frames for one PUBLISH. The connector gives that stream one write per batch
 * (src/connector/packet-frames.ts), so a burst leaves in a few frames, and every message still arrives
 * whole, in order, at a subscriber on the broker's TCP listener (aedes, real sockets).
 */
import WebSocket from 'ws';
import { MqttConnector } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';

describe('publishing over WebSocket', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  let connector: MqttConnector | undefined;

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await rawSubscriber(broker.url, 'ws/frames/#', 1);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await connector?.disconnect({ flush: false });
    connector = undefined;
    await subscriber.end();
    await broker.close();
  });

  it.each([0, 1] as const)(
    'sends a burst of QoS %i publishes in far fewer frames than messages, all delivered in order',
    async (qos) => {
      connector = new MqttConnector({ mqttBroker: broker.wsUrl, throttleInterval: 0, logLevel: 'error' });
      expect(await connector.connect()).toBe(true);
      const send = jest.spyOn(WebSocket.prototype, 'send');
      const count = 200;
      const payloads = Array.from({ length: count }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 0x7e));
      await Promise.all(payloads.map((payload) => connector?.publish('ws/frames/burst', payload, { qos })));
      const received = await subscriber.waitFor(count);
      expect(received.map((message) => Array.from(message.payload))).toEqual(
        payloads.map((payload) => Array.from(payload)),
      );
      // aedes runs in this process and answers over `ws` too: count the client's frames only.
      const clientFrames = send.mock.contexts.filter(
        (socket) => !(socket as { _isServer?: boolean })._isServer,
      );
      // One frame per write batch: without the batching it is five per message (1,000 here).
      expect(clientFrames.length).toBeGreaterThan(0);
      expect(clientFrames.length).toBeLessThan(count / 4);
    },
  );
});
