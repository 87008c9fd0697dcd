/**
 * `npm start`: the connector on an embedded aedes broker. It runs the seed's Basic Usage (connect, publish a
 * JSON status, receive it on a subscription), then stops and restarts the broker to show the connector
 * reconnecting by itself, printing every connection state as it happens, and exits 0 on its own.
 */
import { firstValueFrom, filter, take, timeout } from 'rxjs';
import { MqttConnector, type ConnectionState } from '../src/index';
import { startBroker } from '../src/testing/index';
import { check } from './lib/check';

const started = Date.now();
const clock = () => `${String(Date.now() - started).padStart(5)} ms`;

function describe(state: ConnectionState): string {
  const parts: string[] = [state.status.toUpperCase()];
  if (state.delayMs !== undefined) parts.push(`retry ${state.attempt} in ${state.delayMs} ms`);
  else if (state.attempt) parts.push(`retry ${state.attempt} starts`);
  if (state.error) parts.push(`after ${state.error.code}: ${state.error.message}`);
  return parts.join(' ');
}

async function demo(): Promise<void> {
  const broker = await startBroker();
  console.log(`${clock()}  embedded aedes broker on ${broker.url}`);

  const connector = new MqttConnector({
    mqttBroker: broker.url,
    clientId: 'demo_device',
    reconnectInterval: 300,
    reconnectJitter: 'none',
    throttleInterval: 100,
  });
  connector.state$.subscribe((state) => console.log(`${clock()}  state: ${describe(state)}`));

  await connector.connect();
  const statuses = connector.subscribe<{ status: string; uptime: number }>('devices/+id/status', { qos: 1 });
  statuses.subscribe((m) =>
    console.log(`${clock()}  received on ${m.topic} (id=${m.params.id}):`, m.payload),
  );
  await connector.whenSubscribed('devices/+id/status');

  const first = firstValueFrom(statuses.pipe(take(1), timeout(3000)));
  await connector.publish('devices/demo_device/status', { status: 'online', uptime: 1 }, { qos: 1 });
  check('received what was published', (await first).payload, { status: 'online', uptime: 1 });

  console.log(`${clock()}  stopping the broker...`);
  const reconnecting = firstValueFrom(connector.state$.pipe(filter((s) => s.status === 'reconnecting')));
  await broker.stop();
  await reconnecting;
  // Published while the broker is down: waits in the offline queue, sent after the reconnect.
  const queued = connector.publish('devices/demo_device/status', { status: 'back', uptime: 2 }, { qos: 1 });
  const afterRestart = firstValueFrom(statuses.pipe(take(1), timeout(5000)));
  console.log(`${clock()}  restarting the broker on the same port...`);
  await broker.restart();
  check('the publish queued during the outage', (await queued).status, 'acknowledged');
  check('received after the restart', (await afterRestart).payload, { status: 'back', uptime: 2 });
  check('reconnected by itself', connector.metrics().reconnects, 1);

  await connector.disconnect();
  await broker.close();
  console.log(`${clock()}  done`);
}

const watchdog = setTimeout(() => {
  console.error('demo did not finish within 15 s');
  process.exit(1);
}, 15_000);
demo()
  .then(() => clearTimeout(watchdog))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
