/**
 * Regression test (fixed in src/streams/subscription-sync.ts): a subscription that the broker refused while
 * the connector RESTORED it after a reconnect used to be given up for good (its observers errored with
 * SUBSCRIBE_REFUSED and the filter was forgotten), although the broker had granted it before and the
 * refusal is usually transient: NATS 2.9 with one cluster node down answers a good share of QoS 1
 * SUBSCRIBEs with 0x80 (JetStream consumer creation times out) for as long as the node is down, so a
 * consumer that failed over to another node lost its subscription about half the time. The connector now
 * keeps the observers and subscribes again with a backoff.
 *
 * Reproduced deterministically with aedes: after a restart (no session) the new broker refuses the first
 * SUBSCRIBE of the filter, then grants it.
 */
import { MqttConnector } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

let broker: EmbeddedBroker;
let connector: MqttConnector | undefined;
afterEach(async () => {
  await connector?.disconnect({ flush: false });
  await broker?.close();
});

test('a subscription refused once while being restored after a reconnect is retried: the observer stays, messages flow again', async () => {
  const topic = `restore/${process.pid}`;
  broker = await startAedes();
  connector = new MqttConnector({
    mqttBroker: broker.url,
    throttleInterval: 0,
    reconnectInterval: 50,
    maxReconnectInterval: 500,
    logLevel: 'error',
  });
  const tracker = new SequenceTracker(20);
  let observerError: unknown;
  connector.subscribe(topic, { qos: 1, decode: 'string' }).subscribe({
    next: (m) => tracker.record(m.payload),
    error: (error: unknown) => (observerError = error),
  });
  expect(await connector.connect()).toBe(true);
  await connector.whenSubscribed(topic);

  let refusals = 1; // the restarted broker refuses the first SUBSCRIBE of the filter
  await broker.restart({
    authorizeSubscribe: (_client, subscription, callback) => {
      if (subscription.topic === topic && refusals > 0) {
        refusals--;
        callback(null, null); // SUBACK 0x80
      } else callback(null, subscription);
    },
  });
  await waitForState(connector, 'connected', { timeout: 20_000, skipCurrent: true });
  await connector.whenSubscribed(topic); // before the fix: rejected with SUBSCRIBE_REFUSED
  expect(refusals).toBe(0);
  expect(observerError).toBeUndefined();
  for (let i = 0; i < 20; i++) await connector.publish(topic, String(i), { qos: 1 });
  await tracker.whenComplete(20_000);
}, 60_000);
