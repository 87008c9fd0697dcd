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
import { filter, firstValueFrom } from 'rxjs';
import { MqttConnector, type ConnectionState, type SubscribeEvent } from '../src/index';
import { collectMessages, startBroker, waitForState, type EmbeddedBroker } from '../src/testing/index';
import { check } from './lib/check';

const started = Date.now();
const log = (text: string) => console.log(`${String(Date.now() - started).padStart(5)} ms  ${text}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(state: ConnectionState): string {
  const parts: string[] = [state.status.toUpperCase()];
  if (state.delayMs !== undefined) parts.push(`retry ${state.attempt} in ${state.delayMs} ms`);
  else if (state.attempt) parts.push(`retry ${state.attempt} starts`);
  if (state.error) parts.push(`after ${state.error.code}`);
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
  const states: ConnectionState[] = [];
  connector.state$.subscribe((state) => {
    states.push(state);
    log(`state: ${describe(state)}`);
  });

  // 1. Offline from the start: the publish is queued, connect() retries.
  const boot = connector.publish('plant/line1/events', { event: 'boot' }, { qos: 1 });
  const connected = connector.connect();
  await sleep(700);
  log('starting the broker');
  await broker.start();
  check('connect() resolved', await connected, true);
  const retries = states.filter((state) => state.status === 'connecting' && state.delayMs !== undefined);
  check('connect() retried while the broker was down', retries.length > 0, true);
  check('the boot event queued before the first connection', (await boot).status, 'acknowledged');

  // 2. A live subscription: named wildcard, JSON decoded.
  const events = connector.subscribe<{ event: string; n?: number }>('plant/+line/events', { qos: 1 });
  events.subscribe((m) => log(`received ${m.params.line}: ${JSON.stringify(m.payload)}`));
  await connector.whenSubscribed('plant/+line/events');

  // 3. The outage: stop the broker, publish while it is down, bring it back.
  const afterOutage = collectMessages(connector, 'plant/+line/events', { count: 5, timeout: 10_000 });
  const resubscribed = firstValueFrom(
    connector.events$.pipe(filter((e): e is SubscribeEvent => e.type === 'subscribe' && e.resubscribe)),
  );
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
  check(
    'publishes made while offline',
    results.map((r) => r.status),
    ['acknowledged', 'acknowledged', 'acknowledged', 'acknowledged', 'acknowledged'],
  );
  check('subscribed again before sending (the fresh broker had no session)', (await resubscribed).filters, [
    'plant/+/events',
  ]);
  const delivered = await afterOutage;
  check(
    'delivered after the outage, in order',
    delivered.map((m) => (m.payload as { n: number }).n),
    [1, 2, 3, 4, 5],
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
