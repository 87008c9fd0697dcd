/**
 * Reconnection and offline behaviour, live: the broker is stopped and started again (with
 * mqtt-connector/testing's embedded broker) while the app keeps publishing.
 *
 * 1. The broker is down when the app starts: `connect()` keeps retrying with backoff (every state is
 *    printed) and a publish made meanwhile waits in the offline queue.
 * 2. The broker comes up: `connect()` resolves true and the queued message is delivered.
 * 3. The broker dies mid-run: the app publishes five events while it is down. Each `publish()` promise stays
 *    pending (queued, nothing is dropped); once the broker is back the connector subscribes again (the
 *    fresh broker has no session for it), then sends the queue in order, and every promise resolves.
 *
 * Run it: `npm run example -- reconnection` (the runner hands it the embedded broker), or
 * `npx tsx examples/reconnection.ts`, which starts its own: it needs to stop and start the broker, so it
 * does not run against an external one.
 */
import { MqttConnector, type ConnectionState } from '../src/index';
import { collectMessages, startBroker, waitForState, type EmbeddedBroker } from '../src/testing/index';

const started = Date.now();
const log = (text: string) => console.log(`${String(Date.now() - started).padStart(5)} ms  ${text}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(state: ConnectionState): string {
  const parts: string[] = [state.status.toUpperCase()];
  if (state.attempt) parts.push(`attempt ${state.attempt}`);
  if (state.delayMs !== undefined) parts.push(`next try in ${state.delayMs} ms`);
  if (state.error) parts.push(`(${state.error.code})`);
  return parts.join(' ');
}

export async function main(brokerUrl: string, broker: EmbeddedBroker): Promise<void> {
  await broker.stop();
  log(`broker stopped before the app starts (${brokerUrl})`);

  const connector = new MqttConnector({
    mqttBroker: brokerUrl,
    clientId: 'line-controller',
    reconnectInterval: 200, // ms: first backoff delay
    maxReconnectInterval: 800, // ms: the backoff doubles up to this
    reconnectJitter: 'none', // predictable delays for the printout
    throttleInterval: 50, // ms between publishes
  });
  connector.state$.subscribe((state) => log(`state: ${describe(state)}`));

  // 1. Offline from the start: the publish is queued, connect() retries.
  const boot = connector.publish('plant/line1/events', { event: 'boot' }, { qos: 1 });
  const connected = connector.connect();
  await sleep(700);
  log('starting the broker');
  await broker.start();
  log(`connect() resolved ${await connected}`);
  log(`queued boot event: ${(await boot).status}`);

  // 2. A live subscription: named wildcard, JSON decoded.
  const events = connector.subscribe<{ event: string; n?: number }>('plant/+line/events', { qos: 1 });
  events.subscribe((m) => log(`received ${m.params.line}: ${JSON.stringify(m.payload)}`));
  await connector.whenSubscribed('plant/+line/events');

  // 3. The outage: stop the broker, publish while it is down, bring it back.
  const afterOutage = collectMessages(connector, 'plant/+line/events', { count: 5, timeout: 10_000 });
  log('stopping the broker (outage)');
  await broker.stop();
  await waitForState(connector, 'reconnecting');
  const queued = [1, 2, 3, 4, 5].map((n) =>
    connector.publish('plant/line1/events', { event: 'tick', n }, { qos: 1 }),
  );
  log(`published ${queued.length} events while offline; their promises are pending`);
  await sleep(600);
  log('starting the broker again on the same port');
  await broker.start();
  await waitForState(connector, 'connected');
  const results = await Promise.all(queued);
  log(`queued publishes settled: ${results.map((r) => r.status).join(', ')}`);
  const delivered = await afterOutage;
  log(
    `delivered after the outage, in order: ${delivered.map((m) => (m.payload as { n: number }).n).join(', ')}`,
  );

  await connector.disconnect();
}

if (require.main === module) {
  // Standalone: start an embedded broker of our own, since the example stops and starts it.
  void (async () => {
    const broker = await startBroker();
    try {
      await main(broker.url, broker);
    } finally {
      await broker.close();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
