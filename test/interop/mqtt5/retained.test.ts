/**
 * The retained cache on MQTT 5 against Mosquitto: the connector subscribes with Retain As Published, so
 * the cache follows what the broker really retains. A late observer of a live filter gets the retained
 * state (not a later non-retained event), a live retained publish is reported with `retain: false` to an
 * observer that did not ask for Retain As Published, and a Retain Handling 1 QoS upgrade — for which the
 * broker sends nothing — is served from the cache.
 */
import type { MqttMessage } from '../../../src/index';
import { startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { ConnectorPool, uniqueTopic } from '../helpers/connectors';
import { Recorder } from '../helpers/recorder';

const pool = new ConnectorPool();
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto();
});
afterEach(() => pool.closeAll());
afterAll(() => broker?.close());

const connect = () => pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
const flags = (messages: readonly MqttMessage[]) => messages.map((m) => [m.payload, m.retain]);

test('a late observer gets the state the broker retains, not a later non-retained event', async () => {
  const topic = uniqueTopic('retained-v5');
  const publisher = await connect();
  await publisher.publish(topic, 'state', { qos: 1, retain: true });
  const connector = await connect();
  const first = new Recorder(connector.subscribe(topic, { qos: 1 }));
  await first.waitForCount(1, 'the retained state');
  await publisher.publish(topic, 'event', { qos: 1 }); // live, not retained
  await first.waitForCount(2, 'the event');
  const late = new Recorder(connector.subscribe(topic, { qos: 1 }));
  expect(flags(late.items)).toEqual([['state', true]]);
  expect(flags(first.items)).toEqual([
    ['state', true],
    ['event', false],
  ]);
  await publisher.publish(topic, '', { qos: 1, retain: true }); // clean up the broker
});

test('a live retained publish: retain false unless Retain As Published was asked; it becomes the cached state', async () => {
  const topic = uniqueTopic('retained-v5');
  const publisher = await connect();
  await publisher.publish(topic, 'off', { qos: 1, retain: true });
  const connector = await connect();
  const other = await connect();
  const plain = new Recorder(connector.subscribe(topic, { qos: 1 }));
  const asPublished = new Recorder(other.subscribe(topic, { qos: 1, retainAsPublished: true }));
  await plain.waitForCount(1, 'the retained state');
  await asPublished.waitForCount(1, 'the retained state');
  await publisher.publish(topic, 'on', { qos: 1, retain: true }); // live, retained
  await plain.waitForCount(2, 'the live publish');
  await asPublished.waitForCount(2, 'the live publish');
  expect(flags(plain.items)).toEqual([
    ['off', true],
    ['on', false],
  ]);
  expect(flags(asPublished.items)).toEqual([
    ['off', true],
    ['on', true],
  ]);
  const late = new Recorder(connector.subscribe(topic));
  expect(flags(late.items)).toEqual([['on', true]]);
  await publisher.publish(topic, '', { qos: 1, retain: true }); // clears the broker's and the cache's state
  await plain.waitForCount(3, 'the clearing publish');
  expect(new Recorder(connector.subscribe(topic)).items).toEqual([]);
});

test('overlapping filters get one copy each of a retained publish (subscription identifiers): once per observer', async () => {
  const base = uniqueTopic('retained-v5');
  const publisher = await connect();
  await publisher.publish(`${base}/lamp`, 'v0', { qos: 1, retain: true });
  const connector = await connect();
  const wide = new Recorder(connector.subscribe(`${base}/#`, { qos: 1 }));
  const narrow = new Recorder(connector.subscribe(`${base}/+`, { qos: 1 }));
  await wide.waitForCount(1, 'the retained state');
  await narrow.waitForCount(1, 'the retained state');
  await publisher.publish(`${base}/lamp`, 'v1', { qos: 1, retain: true });
  // A marker both filters match, after the PUBACK: every copy of v1 was queued before it.
  await publisher.publish(`${base}/marker`, 'm', { qos: 1 });
  await wide.waitForItem((m) => m.payload === 'm', 'the marker');
  await narrow.waitForItem((m) => m.payload === 'm', 'the marker');
  for (const observer of [wide, narrow]) {
    expect(flags(observer.items)).toEqual([
      ['v0', true],
      ['v1', false],
      ['m', false],
    ]);
  }
  await publisher.publish(`${base}/lamp`, '', { qos: 1, retain: true });
});

test('Retain Handling 1, QoS upgrade: the broker sends nothing again, the cache serves the new observer', async () => {
  const topic = uniqueTopic('retained-v5');
  const publisher = await connect();
  await publisher.publish(topic, 'state', { qos: 1, retain: true });
  const connector = await connect();
  const first = new Recorder(connector.subscribe(topic, { retainHandling: 1 }));
  await first.waitForCount(1, 'the retained state');
  const upgraded = new Recorder(connector.subscribe(topic, { retainHandling: 1, qos: 1 }));
  await expect(connector.whenSubscribed(topic)).resolves.toBe(1);
  expect(flags(upgraded.items)).toEqual([['state', true]]);
  // A round trip after the upgrade: nothing more arrived for either observer.
  const marker = new Recorder(connector.subscribe(`${topic}/marker`, { qos: 1 }));
  await connector.whenSubscribed(`${topic}/marker`);
  await publisher.publish(`${topic}/marker`, 'm', { qos: 1 });
  await marker.waitForCount(1, 'the marker');
  expect(first.items).toHaveLength(1);
  expect(upgraded.items).toHaveLength(1);
  await publisher.publish(topic, '', { qos: 1, retain: true });
});
