/**
 * Many filters at once against the embedded aedes broker, with retained messages: a batch of observers
 * that leave in one job is unsubscribed in packets of `subscribeBatchSize`, an observer joining a live
 * filter without wildcards gets its topic's state from the cache, and a filter subscribed again after
 * leaving gets the broker's state (nothing the cache kept of the old subscription).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { MqttConnector } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { eventually } from '../../support/eventually';

const COUNT = 250;
const topics = Array.from({ length: COUNT }, (_, i) => `many/${i}/state`);

describe('many filters with retained messages, against aedes', () => {
  let broker: EmbeddedBroker;
  let publisher: MqttClient;
  let connector: MqttConnector;
  let unsubscribes: string[][];
  let subscribes: string[][];

  beforeEach(async () => {
    broker = await startAedes();
    unsubscribes = [];
    subscribes = [];
    broker.broker.on('subscribe', (subscriptions, client) => {
      if (client.id.startsWith('conn')) subscribes.push(subscriptions.map((s) => s.topic));
    });
    broker.broker.on('unsubscribe', (filters) => unsubscribes.push([...filters]));
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'publisher', reconnectPeriod: 0 });
    await Promise.all(
      topics.map((topic) => publisher.publishAsync(topic, `was ${topic}`, { qos: 1, retain: true })),
    );
    connector = new MqttConnector({
      mqttBroker: broker.url,
      clientId: 'conn-many',
      throttleInterval: 0,
      subscribeBatchSize: 100,
    });
    await connector.connect();
  });

  afterEach(async () => {
    await connector.disconnect();
    await publisher.endAsync(true);
    await broker.close();
  });

  it('leaves in packets of 100, replays exact filters from the cache, and subscribes again for the broker’s state', async () => {
    const states = new Map<string, unknown>();
    const observers = topics.map((topic) =>
      connector.subscribe(topic, { decode: 'string' }).subscribe((m) => states.set(m.topic, m.payload)),
    );
    await Promise.all(topics.map((topic) => connector.whenSubscribed(topic)));
    await eventually(() => states.size === COUNT);
    expect(states.get('many/7/state')).toBe('was many/7/state');
    expect(subscribes.map((packet) => packet.length)).toEqual([100, 100, 50]);

    // A second observer of a live filter: the cached state at once, no SUBSCRIBE.
    const joined = await firstValueFrom(
      connector.subscribe('many/7/state', { decode: 'string' }).pipe(take(1), timeout(2000)),
    );
    expect([joined.topic, joined.payload, joined.retain]).toEqual(['many/7/state', 'was many/7/state', true]);
    expect(subscribes.flat()).toHaveLength(COUNT);

    for (const observer of observers) observer.unsubscribe();
    await eventually(() => unsubscribes.flat().length === COUNT);
    expect(unsubscribes.map((packet) => packet.length)).toEqual([100, 100, 50]);
    expect(new Set(unsubscribes.flat())).toEqual(new Set(topics));

    await publisher.publishAsync('many/7/state', 'now', { qos: 1, retain: true });
    const again = await firstValueFrom(
      connector.subscribe('many/+/state', { decode: 'string' }).pipe(take(COUNT), toArray(), timeout(5000)),
    );
    expect(again.find((m) => m.topic === 'many/7/state')?.payload).toBe('now');
    expect(again.every((m) => m.retain)).toBe(true);
    expect(subscribes.at(-1)).toEqual(['many/+/state']);
  });
});
