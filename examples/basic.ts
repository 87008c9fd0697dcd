/**
 * The seed's Basic Usage, ported: connect, publish a JSON status, subscribe to commands, disconnect.
 *
 * Run it against the embedded broker with `npm run example -- basic`, or against your own broker:
 * `MQTT_URL=mqtt://localhost:1883 npx tsx examples/basic.ts`.
 */
import { firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector } from '../src/index';
import { check } from './lib/check';

export async function main(brokerUrl: string): Promise<void> {
  const connector = new MqttConnector({
    mqttBroker: brokerUrl,
    clientId: 'my_device',
    reconnectInterval: 5000, // ms (the seed's 5 s)
    maxReconnectAttempts: -1, // forever
    throttleInterval: 100, // ms between publishes (the seed's 0.1 s)
  });
  connector.setLogCallback((entry) => console.log(`[${entry.level}] ${entry.message}`));

  if (!(await connector.connect())) throw new Error(`Could not connect to ${brokerUrl}`);
  console.log('Connected:', connector.isConnected());

  // Commands for any device; the first one that arrives is printed.
  const command = firstValueFrom(
    connector.subscribe('devices/+/commands', { qos: 1 }).pipe(take(1), timeout(5000)),
  );
  await connector.whenSubscribed('devices/+/commands');

  await connector.publish(
    'devices/my_device/status',
    { status: 'online', battery: 87 },
    { qos: 1, retain: true },
  );
  await connector.publish('devices/my_device/commands', { action: 'reboot' }, { qos: 1 });

  const message = await command;
  console.log(`Command on ${message.topic}:`, message.payload);
  check(
    'the command received',
    [message.topic, message.payload],
    ['devices/my_device/commands', { action: 'reboot' }],
  );

  await connector.disconnect();
  check('disconnected', connector.state.status, 'disconnected');
}

if (require.main === module) {
  main(process.env.MQTT_URL ?? 'mqtt://localhost:1883').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
