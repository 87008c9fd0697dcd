/**
 * The connector's MQTT.js client handle against aedes: `connectionLost$` tells the data paths once per
 * lost connection, whichever way it ends (our end(), a cancelled attempt, the broker going away).
 */
import { firstValueFrom, type Subscription } from 'rxjs';
import { Logger } from '../../../src/connector/logger';
import { createMqttClient, type MqttClientHandle } from '../../../src/connector/mqtt-client';
import { resolveOptions } from '../../../src/connector/options';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';

describe('MQTT client handle: connectionLost$', () => {
  let broker: EmbeddedBroker | undefined;
  let handle: MqttClientHandle | undefined;
  let attempt: Subscription | undefined;
  let losses = 0;
  let attemptErrors = 0;

  async function connected(): Promise<MqttClientHandle> {
    const options = resolveOptions({ mqttBroker: broker?.url, reconnectInterval: 20 });
    const client = createMqttClient(options, new Logger('error', undefined, () => Date.now()));
    handle = client;
    client.connectionLost$.subscribe(() => losses++);
    const connack = firstValueFrom(client.connack$);
    attempt = client.attempt(options.brokers[0] as (typeof options.brokers)[number]).subscribe({
      error: () => attemptErrors++,
    });
    await connack;
    return client;
  }

  beforeEach(async () => {
    broker = await startAedes();
    losses = attemptErrors = 0;
  });

  afterEach(async () => {
    attempt?.unsubscribe();
    await handle?.end(true);
    await broker?.close();
    broker = handle = attempt = undefined;
  });

  it('emits once when the connection is ended and its attempt then cancelled (as disconnect() does)', async () => {
    const client = await connected();
    const ended = client.end(false);
    attempt?.unsubscribe();
    await ended;
    expect(losses).toBe(1);
    expect(client.isConnected()).toBe(false);
  });

  it('emits once when a connected attempt is cancelled (a forced reconnect)', async () => {
    const client = await connected();
    attempt?.unsubscribe();
    expect(losses).toBe(1);
    expect(client.currentConnAck()).toBeUndefined();
  });

  it('emits once when the broker goes away, and the attempt errors', async () => {
    const client = await connected();
    const lost = firstValueFrom(client.connectionLost$);
    await broker?.close();
    await lost;
    attempt?.unsubscribe();
    expect(losses).toBe(1);
    expect(attemptErrors).toBe(1);
  });
});
