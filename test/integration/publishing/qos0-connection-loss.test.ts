/**
 * QoS 0 publishes whose socket write had not finished when the connection died (MQTT.js waits for the
 * old socket's `drain`, which never comes): each one settles (PUBLISH_FAILED), frees its window slot,
 * and QoS 0 keeps working after the reconnect. A real socket: aedes behind a proxy that stops reading,
 * so the client's socket buffers fill up and its writes stay unfinished; then the connection is cut.
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { MqttConnector, type PublishResult } from '../../../src/index';
import type { FaultProxy } from '../../support/fault-proxy';
import { eventually } from '../../support/eventually';
import { startProxiedBroker, type ProxiedBroker } from './helpers/proxied-broker';
import type { RawSubscriber } from './helpers/raw-subscriber';

const COUNT = 400;
const PAYLOAD = new Uint8Array(64 * 1024).fill(0x61);
const MAX_PENDING_WRITES = 100;

describe('QoS 0 publishes in the middle of a write when the connection dies', () => {
  let proxy: FaultProxy;
  let subscriber: RawSubscriber;
  let setup: ProxiedBroker;
  let connector: MqttConnector;

  beforeEach(async () => {
    setup = await startProxiedBroker('wedge/#', 0);
    ({ proxy, subscriber } = setup);
    connector = new MqttConnector({
      mqttBroker: proxy.url,
      throttleInterval: 0,
      reconnectInterval: 20,
      reconnectJitter: 'none',
      maxPendingWrites: MAX_PENDING_WRITES,
      logLevel: 'error',
    });
    await expect(connector.connect()).resolves.toBe(true);
  });

  afterEach(async () => {
    await connector.disconnect({ flush: false });
    await setup.close();
  });

  it('settles every publish, frees the window, and QoS 0 works again after the reconnect', async () => {
    proxy.stall(); // the "broker" stops reading: the client's socket buffers fill up
    const outcomes: string[] = new Array<string>(COUNT).fill('pending');
    const promises = Array.from({ length: COUNT }, (_, i) =>
      connector.publish(`wedge/${i}`, PAYLOAD).then(
        (result: PublishResult) => (outcomes[i] = result.status),
        (error: { code: string }) => (outcomes[i] = error.code),
      ),
    );
    // The window of unfinished writes fills up and stays full: MQTT.js waits for `drain` on each of
    // them; the rest waits in the queue.
    await eventually(() => connector.metrics().inFlight === MAX_PENDING_WRITES);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const atCut = { ...connector.metrics(), written: outcomes.filter((o) => o === 'written').length };
    expect(atCut.inFlight).toBe(MAX_PENDING_WRITES);
    expect(atCut.queued).toBeGreaterThan(0);
    expect(atCut.written + atCut.inFlight + atCut.queued).toBe(COUNT);

    proxy.cutAll({ reset: true }); // the connection dies with those writes unfinished
    proxy.resume();
    await firstValueFrom(
      connector.state$.pipe(
        filter((s) => s.status === 'reconnecting'),
        timeout(5000),
      ),
    );
    await firstValueFrom(
      connector.state$.pipe(
        filter((s) => s.status === 'connected'),
        timeout(10_000),
      ),
    );

    // Without the fix this never ends: each stuck write waits for the dead socket's `drain`.
    await eventually(() => !outcomes.includes('pending'), 5000).catch(() => {
      throw new Error(
        `${outcomes.filter((o) => o === 'pending').length} publishes still pending after the reconnect ` +
          `(inFlight ${connector.metrics().inFlight}, queued ${connector.metrics().queued})`,
      );
    });
    await Promise.all(promises);
    // Exactly the writes in progress at the cut failed, each with its own settlement; what waited in
    // the queue went out after the reconnect.
    const unfinished = { from: atCut.written, to: atCut.written + MAX_PENDING_WRITES };
    expect(outcomes.slice(0, unfinished.from).every((o) => o === 'written')).toBe(true);
    expect(outcomes.slice(unfinished.from, unfinished.to).every((o) => o === 'PUBLISH_FAILED')).toBe(true);
    expect(outcomes.slice(unfinished.to).every((o) => o === 'written')).toBe(true);
    expect(connector.metrics()).toMatchObject({ inFlight: 0, queued: 0 });

    // QoS 0 still works: a new publish is written and arrives.
    await expect(connector.publish('wedge/after', 'after')).resolves.toMatchObject({ status: 'written' });
    await subscriber.waitUntil((all) => all.some((m) => m.topic === 'wedge/after'));
    // Everything queued at the cut reached the broker after the reconnect, in order.
    const topics = subscriber.received.map((m) => m.topic);
    const queuedAtCut = Array.from({ length: COUNT - unfinished.to }, (_, k) => `wedge/${unfinished.to + k}`);
    expect(topics.slice(topics.length - queuedAtCut.length - 1, -1)).toEqual(queuedAtCut);
  });
});
