/**
 * Regression test (fixed in src/streams/subscription-sync.ts): a clean-session consumer on a NATS cluster node
 * that is SIGKILLed moves to another node, where it restores its QoS 1 subscription. With one node of three
 * down, NATS 2.9 refuses a good share of such SUBSCRIBEs (SUBACK 0x80, JetStream consumer creation timed
 * out). The connector used to give the subscription up for good (SUBSCRIBE_REFUSED on its observers); it
 * now keeps the observers and subscribes again with a backoff (restore-refused.test.ts reproduces the
 * refusal deterministically with aedes).
 */
import { MqttConnector, type ConnectionState } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startNatsCluster, type NatsCluster } from '../../support/nats-cluster';
import type { NatsServer } from '../../support/nats';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

let cluster: NatsCluster;
const connectors: MqttConnector[] = [];
beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 90_000);
afterEach(() => Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false }))));
afterAll(() => cluster?.close());

function connector(mqttBroker: string[]): MqttConnector {
  const c = new MqttConnector({
    mqttBroker,
    throttleInterval: 0,
    reconnectInterval: 100,
    maxReconnectInterval: 1000,
    connectTimeout: 5000,
    logLevel: 'error',
  });
  connectors.push(c);
  return c;
}

test('the moved consumer keeps its subscription on the new node (the connector restores it, retrying refusals)', async () => {
  const [n1, n2] = cluster.nodes as [NatsServer, NatsServer, NatsServer];
  const topic = `cluster-restore/${process.pid}`;
  const tracker = new SequenceTracker(100);
  let observerError: unknown;
  const mover = connector([n2.url, ...cluster.urls.filter((u) => u !== n2.url)]);
  mover.subscribe(topic, { qos: 1, decode: 'string' }).subscribe({
    next: (m) => tracker.record(m.payload),
    error: (error: unknown) => (observerError = error),
  });
  expect(await mover.connect()).toBe(true);
  await mover.whenSubscribed(topic);
  const publisher = connector([n1.url]);
  expect(await publisher.connect()).toBe(true);

  await n2.kill();
  await waitForState(mover, (s: ConnectionState) => s.status === 'connected' && s.broker !== n2.url, {
    timeout: 60_000,
  });
  await mover.whenSubscribed(topic);
  expect(observerError).toBeUndefined();
  for (let i = 0; i < 100; i++) await publisher.publish(topic, String(i), { qos: 1 });
  await tracker.whenComplete(60_000);
}, 150_000);
