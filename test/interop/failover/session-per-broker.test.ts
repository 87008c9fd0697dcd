/**
 * Regression test (fixed in src/streams/subscription-sync.ts): with a broker LIST and persistent sessions
 * (`clean: false`), each broker keeps its own session, but the connector tracked one. A filter subscribed
 * while the connector was on B was counted as acknowledged; back on A, whose CONNACK says "session present"
 * (A's session, which never had that filter), the connector sent no SUBSCRIBE for it: the observer got
 * nothing on A, and `whenSubscribed()` resolved anyway.
 *
 * The subscription sync now treats a session resumed on another broker than the one its SUBACKs came
 * from as unknown, and subscribes every live filter again.
 */
import { MqttConnector, type ConnectionState } from '../../../src/index';
import { waitForState } from '../../../src/testing/wait-for-state';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { MOSQUITTO_NO_QUEUE_LIMITS, startMosquitto, type MosquittoBroker } from '../../support/mosquitto';
import { SequenceTracker } from '../fault-helpers/sequence-tracker';

let a: MosquittoBroker;
let b: MosquittoBroker;
let proxyA: FaultProxy;
const connectors: MqttConnector[] = [];
afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
  await proxyA?.close();
  await Promise.all([a?.close(), b?.close()]);
});

const connectedTo = (url: string) => (s: ConnectionState) => s.status === 'connected' && s.broker === url;

test('a filter subscribed while on B is subscribed on A when the connector comes back to its session on A', async () => {
  [a, b] = await Promise.all([
    startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS }),
    startMosquitto({ config: MOSQUITTO_NO_QUEUE_LIMITS }),
  ]);
  proxyA = await startFaultProxy('127.0.0.1', a.ports.plain as number); // A stays up; only the path to it fails
  const base = `per-broker/${process.pid}`;
  const mover = new MqttConnector({
    mqttBroker: [proxyA.url, b.url],
    clientId: `per-broker-${process.pid}`,
    protocolVersion: 5,
    clean: false,
    sessionExpiryInterval: 600,
    throttleInterval: 0,
    reconnectInterval: 50,
    maxReconnectInterval: 500,
    logLevel: 'error',
  });
  connectors.push(mover);
  mover.subscribe(`${base}/first`, { qos: 1 }).subscribe();
  expect(await mover.connect()).toBe(true);
  await mover.whenSubscribed(`${base}/first`); // A's session: {first}

  await proxyA.refuse(undefined, 'close');
  proxyA.cutAll();
  await waitForState(mover, connectedTo(b.url), { timeout: 20_000 });
  const tracker = new SequenceTracker(10);
  mover.subscribe(`${base}/second`, { qos: 1, decode: 'string' }).subscribe((m) => tracker.record(m.payload));
  await mover.whenSubscribed(`${base}/second`); // B's session: {first, second}

  await proxyA.accept();
  await b.kill();
  const back = await waitForState(mover, connectedTo(proxyA.url), { timeout: 20_000 });
  expect(back.sessionPresent).toBe(true); // A kept its session: {first}
  await mover.whenSubscribed(`${base}/second`);
  const onA = new MqttConnector({
    mqttBroker: a.url,
    protocolVersion: 5,
    throttleInterval: 0,
    logLevel: 'error',
  });
  connectors.push(onA);
  expect(await onA.connect()).toBe(true);
  for (let i = 0; i < 10; i++) await onA.publish(`${base}/second`, String(i), { qos: 1 });
  await tracker.whenComplete(10_000); // before the fix: timed out, A was never asked for `second`
}, 60_000);
