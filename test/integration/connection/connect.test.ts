import { firstValueFrom, filter, toArray, take } from 'rxjs';
import { MqttConnector, type ConnectionState } from '../../../src/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';

describe('connection against aedes', () => {
  let broker: EmbeddedBroker;
  const connectors: MqttConnector[] = [];
  const make = (options: ConstructorParameters<typeof MqttConnector>[0] = {}) => {
    const connector = new MqttConnector({ mqttBroker: broker.url, reconnectInterval: 50, ...options });
    connectors.push(connector);
    return connector;
  };

  beforeEach(async () => {
    broker = await startAedes();
  });
  afterEach(async () => {
    await Promise.all(connectors.splice(0).map((c) => c.disconnect()));
    await broker.close();
  });

  it('connects, reports states in order, and disconnects', async () => {
    const connector = make();
    const states: ConnectionState[] = [];
    connector.state$.subscribe((s) => states.push(s));
    await expect(connector.connect()).resolves.toBe(true);
    expect(connector.isConnected()).toBe(true);
    await connector.disconnect();
    expect(states.map((s) => s.status)).toEqual(['idle', 'connecting', 'connected', 'disconnected']);
    expect(connector.isConnected()).toBe(false);
  });

  it('reconnects by itself after the broker restarts', async () => {
    const connector = make();
    await connector.connect();
    const seen = firstValueFrom(
      connector.state$.pipe(
        filter((s) => s.status !== 'connected' || s.since > 0),
        take(3),
        toArray(),
      ),
    );
    await broker.restart();
    const states = await seen;
    expect(states.map((s) => s.status)).toEqual(['connected', 'reconnecting', 'connected']);
  });
});
