/**
 * Publishes pending when the connector closes — it gives up (`failed`) or `disconnect({ flush: false })`
 * is called — reject with CLOSED: in flight (handed to MQTT.js, no PUBACK yet), waiting for window room,
 * and queued while reconnecting. And a publish that rejected is never delivered afterwards: a later
 * `connect()` does not send it again, with a clean or a persistent session.
 *
 * aedes behind a proxy that stops forwarding: the PUBLISH never reaches the broker, so the only way the
 * subscriber could see it is a re-send by the connector after the next connect.
 */
import { MqttConnector, type PublishResult } from '../../../src/index';
import { waitForState } from '../../../src/testing/index';
import type { FaultProxy } from '../../support/fault-proxy';
import { eventually } from '../../support/eventually';
import { startProxiedBroker, type ProxiedBroker } from './helpers/proxied-broker';
import type { RawSubscriber } from './helpers/raw-subscriber';

type Closing = 'failed' | 'disconnect';

describe('publishes pending when the connector closes', () => {
  let proxy: FaultProxy;
  let subscriber: RawSubscriber;
  let setup: ProxiedBroker;
  let connector: MqttConnector;

  beforeEach(async () => {
    setup = await startProxiedBroker('closing/#', 1);
    ({ proxy, subscriber } = setup);
  });

  afterEach(async () => {
    await connector.disconnect({ flush: false });
    await setup.close();
  });

  /** Rejection codes (or 'ok'), in order. */
  async function codes(promises: Promise<PublishResult>[]): Promise<string[]> {
    const settled = await Promise.allSettled(promises);
    return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as { code: string }).code));
  }

  it.each([
    ['failed', true],
    ['failed', false],
    ['disconnect', true],
    ['disconnect', false],
  ] as [Closing, boolean][])(
    'after %s (clean session: %s) each one rejects with CLOSED and a later connect() does not deliver it',
    async (closing, clean) => {
      connector = new MqttConnector({
        mqttBroker: proxy.url,
        clientId: `closing-${closing}-${String(clean)}`,
        clean,
        throttleInterval: 0,
        maxInFlight: 1,
        reconnectInterval: 100,
        reconnectJitter: 'none',
        maxReconnectAttempts: 1,
        logLevel: 'error',
      });
      await expect(connector.connect()).resolves.toBe(true);

      proxy.stall(); // nothing reaches the broker now, and no PUBACK comes back
      const promises = [
        connector.publish('closing/in-flight', 'in flight', { qos: 1 }),
        connector.publish('closing/window', 'waits for window room', { qos: 1 }),
      ];
      await eventually(() => connector.metrics().inFlight === 1); // once subscriptions are restored
      expect(connector.metrics()).toMatchObject({ inFlight: 1, queued: 1 });

      if (closing === 'failed') {
        await proxy.refuse(undefined, 'unlisten'); // the one reconnect attempt allowed will fail
        proxy.cutAll();
        await waitForState(connector, 'reconnecting');
        promises.push(connector.publish('closing/offline', 'queued while reconnecting', { qos: 1 }));
        expect(connector.metrics()).toMatchObject({ inFlight: 1, queued: 2 });
        await waitForState(connector, 'failed');
        expect(await codes(promises)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
      } else {
        const disconnecting = connector.disconnect({ flush: false });
        expect(await codes(promises)).toEqual(['CLOSED', 'CLOSED']);
        // The PUBLISH already written would still reach the broker through this connection (as it can
        // on any network); drop the bytes, so that only a re-send could deliver it.
        proxy.cutAll();
        await disconnecting;
      }
      expect(connector.metrics()).toMatchObject({ inFlight: 0, queued: 0 });

      // The broker is reachable again: the next connection must not send any of the rejected messages.
      await proxy.accept();
      proxy.resume();
      await expect(connector.connect()).resolves.toBe(true);
      await expect(connector.publish('closing/marker', 'marker', { qos: 1 })).resolves.toMatchObject({
        status: 'acknowledged',
      });
      await subscriber.waitUntil((all) => all.some((m) => m.topic === 'closing/marker'));
      // MQTT.js would re-send a stored message right after the CONNACK, before anything new: had the
      // rejected one been sent, it would have arrived before the marker.
      expect(subscriber.received.map((m) => m.topic)).toEqual(['closing/marker']);
    },
  );
});
