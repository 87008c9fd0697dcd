/**
 * Connectors for the interop suite: test-friendly defaults (no pacing, fast retries) and a pool that
 * disconnects every connector a test made, so brokers can stop and Jest can exit by itself.
 */
import { MqttConnector, type MqttConnectorOptions } from '../../../src/index';

/**
 * Options every interop connector starts from: no pacing (`throttleInterval` 0), quick retries (100 ms
 * doubling up to 1 s, so a restarted broker is found again fast even on a loaded machine), and a
 * generous CONNACK timeout.
 */
export const TEST_DEFAULTS: Readonly<MqttConnectorOptions> = {
  throttleInterval: 0,
  reconnectInterval: 100,
  maxReconnectInterval: 1000,
  connectTimeout: 15_000,
  disconnectTimeout: 5000,
};

/** Creates connectors and disconnects them all in {@link ConnectorPool.closeAll} (for `afterEach`). */
export class ConnectorPool {
  private readonly connectors = new Set<MqttConnector>();

  /** A new connector with {@link TEST_DEFAULTS} under `options`; not connected yet. */
  create(options: MqttConnectorOptions): MqttConnector {
    const connector = new MqttConnector({ ...TEST_DEFAULTS, ...options });
    this.connectors.add(connector);
    return connector;
  }

  /**
   * A new connector, connected. Rejects (with the state's error) when `connect()` gives up.
   *
   * @example const sub = await pool.connected(target.options());
   */
  async connected(options: MqttConnectorOptions): Promise<MqttConnector> {
    const connector = this.create(options);
    if (!(await connector.connect())) {
      const { status, error } = connector.state;
      throw new Error(`connect() gave up (${status}): ${error?.code ?? ''} ${error?.message ?? ''}`);
    }
    return connector;
  }

  /** Disconnects `connector` without flushing and forgets it. */
  async close(connector: MqttConnector): Promise<void> {
    this.connectors.delete(connector);
    await connector.disconnect({ flush: false });
  }

  /** Disconnects every connector still open (no flush: pending publishes reject with CLOSED). */
  async closeAll(): Promise<void> {
    const all = [...this.connectors];
    this.connectors.clear();
    await Promise.all(all.map((connector) => connector.disconnect({ flush: false })));
  }
}

/** A topic prefix unique to this run and `name`: retained messages of one test never reach another. */
export function uniqueTopic(name: string): string {
  return `interop/${name}/${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
