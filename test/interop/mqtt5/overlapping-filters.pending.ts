/**
 * PENDING (not matched by Jest): fails today — each observer gets the message twice. Rename to
 * overlapping-filters.test.ts once the library fix is in (see the interop report: "overlapping filters
 * in one connector deliver duplicates").
 *
 * Mosquitto with MQTT 5 (and nats-server with 3.1.1) sends one copy of a message per matching
 * subscription of a client, as MQTT allows (3.1.1 §3.3.5, 5.0 §3.3.4). The connector routes every copy
 * through its trie to every matching filter, so with `a/+/temp` and `a/#` live in one connector each
 * observer of either filter sees one publish twice; a QoS 2 observer sees "exactly once" broken.
 * MQTT 5 gives the means to route each copy to its own subscription: Subscription Identifiers, which
 * mosquitto sends in each copy (checked: `w/+/temp` id 1 and `w/#` id 2 → copies carrying 1 and 2).
 *
 * Run it: npx jest -c jest.interop.config.ts --testMatch '<rootDir>/test/interop/mqtt5/overlapping-filters.pending.ts'
 */
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

test('MQTT 5: with overlapping filters in one connector, each observer receives each message once', async () => {
  const base = uniqueTopic('overlap');
  const connector = await pool.connected({ mqttBroker: broker.url, protocolVersion: 5 });
  const narrow = new Recorder(connector.subscribe<string>(`${base}/+/temp`, { qos: 2, decode: 'string' }));
  const wide = new Recorder(connector.subscribe<string>(`${base}/#`, { qos: 2, decode: 'string' }));
  await Promise.all([connector.whenSubscribed(`${base}/+/temp`), connector.whenSubscribed(`${base}/#`)]);

  await connector.publish(`${base}/kitchen/temp`, 'both', { qos: 2 });
  await connector.publish(`${base}/kitchen/end`, 'wide only', { qos: 2 });
  await wide.waitForItem((m) => m.payload === 'wide only', 'the last message');
  await connector.publish(`${base}/hall/temp`, 'narrow end', { qos: 2 });
  await narrow.waitForItem((m) => m.payload === 'narrow end', 'the narrow end marker');

  expect(narrow.items.map((m) => m.payload)).toEqual(['both', 'narrow end']);
  expect(wide.items.map((m) => m.payload).slice(0, 2)).toEqual(['both', 'wide only']);
});
