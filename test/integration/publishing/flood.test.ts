/**
 * Floods at throttleInterval 0 against aedes: the in-flight window keeps the broker from dropping us
 * (aedes disconnects a client with more than 1,000 inbound QoS 2 awaiting PUBREL) and MQTT.js from
 * piling up `drain` listeners at QoS 0; everything is acknowledged and arrives in order. Through the
 * public API (`publish()` and the `publishTo` operator) and through a port with the publishCallback
 * fast path.
 */
import { lastValueFrom, range, toArray } from 'rxjs';
import { MqttConnector, publishTo, type PublishResult, type QoS } from '../../../src/index';
import type { MqttPort } from '../../../src/streams/port';
import { PublishPipeline } from '../../../src/streams/publish-pipeline';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { rawSubscriber, type RawSubscriber } from './helpers/raw-subscriber';
import { connectTestOnlyRawPort, type TestOnlyRawPort } from './helpers/test-only-raw-port';

const FLOODS: [QoS, number][] = [
  [0, 10_000],
  [1, 5_000],
  [2, 3_000],
];

describe('publish floods against aedes', () => {
  let broker: EmbeddedBroker;
  let subscriber: RawSubscriber;
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);

  beforeEach(async () => {
    broker = await startAedes();
    warnings.length = 0;
    process.on('warning', onWarning);
  });

  afterEach(async () => {
    process.off('warning', onWarning);
    await subscriber.end();
    await broker.close();
  });

  /** Fires n publishes at once, awaits them all, and checks what the subscriber got. */
  async function flood(publish: (i: number) => Promise<PublishResult>, qos: QoS, n: number): Promise<void> {
    subscriber = await rawSubscriber(broker.url, 'flood/#', qos);
    const promises = Array.from({ length: n }, (_, i) => publish(i));
    await expectAllArrived(await Promise.all(promises), qos, n);
  }

  /** Every result says done, and the subscriber got 0..n-1 in order, without listener pile-up. */
  async function expectAllArrived(results: readonly PublishResult[], qos: QoS, n: number): Promise<void> {
    expect(results).toHaveLength(n);
    expect(results.every((r) => r.status === (qos === 0 ? 'written' : 'acknowledged'))).toBe(true);
    const received = await subscriber.waitFor(n, 30_000);
    expect(received.map((m) => Number(Buffer.from(m.payload).toString()))).toEqual(
      Array.from({ length: n }, (_, i) => i),
    );
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  }

  it.each(FLOODS)('connector.publish: QoS %i × %i fired at once, no drop, all in order', async (qos, n) => {
    const connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0, logLevel: 'error' });
    let drops = 0;
    const watch = connector.state$.subscribe((s) => (s.status === 'reconnecting' ? drops++ : undefined));
    try {
      await expect(connector.connect()).resolves.toBe(true);
      await flood((i) => connector.publish('flood/t', String(i), { qos }), qos, n);
      expect(drops).toBe(0);
    } finally {
      watch.unsubscribe();
      await connector.disconnect({ flush: false });
    }
  });

  it.each(FLOODS)(
    'publishTo(connector): QoS %i × %i from one synchronous source, no promise per value, all in order',
    async (qos, n) => {
      const connector = new MqttConnector({ mqttBroker: broker.url, throttleInterval: 0, logLevel: 'error' });
      const publish = jest.spyOn(connector, 'publish');
      try {
        await expect(connector.connect()).resolves.toBe(true);
        subscriber = await rawSubscriber(broker.url, 'flood/#', qos);
        const results = await lastValueFrom(
          range(0, n).pipe(publishTo(connector, 'flood/t', { qos, message: (i) => String(i) }), toArray()),
        );
        await expectAllArrived(results, qos, n);
        expect(publish).not.toHaveBeenCalled(); // the promise-free path, not publish() per value
      } finally {
        await connector.disconnect({ flush: false });
      }
    },
  );

  it.each(FLOODS)('pipeline over a publishCallback port: QoS %i × %i, all in order', async (qos, n) => {
    const port: TestOnlyRawPort = await connectTestOnlyRawPort(broker.url);
    let lost = false;
    port.connectionLost$.subscribe(() => (lost = true));
    try {
      const pipeline = new PublishPipeline(port as MqttPort, { throttleInterval: 0 });
      pipeline.resume();
      await flood((i) => pipeline.publish('flood/t', String(i), { qos }), qos, n);
      expect(lost).toBe(false);
    } finally {
      await port.end();
    }
  });
});
