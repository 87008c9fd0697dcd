/**
 * The keepalive over real sockets to aedes, with the timer restarts acknowledgements cause spaced
 * (src/connector/keepalive-restarts.ts): a burst of QoS 1 publishes restarts MQTT.js's keepalive timer a
 * few times instead of once per PUBACK, as raw MQTT.js does; acknowledgements that stream for longer than
 * the keepalive timeout keep the connection up, and an idle connection still sends PINGREQs and stays up.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { RESTART_SPACING_MS } from '../../../src/connector/keepalive-restarts.js';
import { MqttConnector } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';
import { eventually } from '../../support/eventually';

const BURST = 2_000;
/** The connector's default keepalive (60 s): MQTT.js's timer ticks every half of it. */
const KEEPALIVE_TICK_MS = 30_000;

/** Counts the keepalive timers (intervals of KEEPALIVE_TICK_MS) set while `run` runs. */
async function keepaliveTimersSetDuring(run: () => Promise<unknown>): Promise<number> {
  const setInterval = jest.spyOn(global, 'setInterval');
  try {
    await run();
    return setInterval.mock.calls.filter(([, delay]) => delay === KEEPALIVE_TICK_MS).length;
  } finally {
    setInterval.mockRestore();
  }
}

describe('keepalive', () => {
  let broker: EmbeddedBroker;
  let connector: MqttConnector | undefined;
  let raw: MqttClient | undefined;

  beforeEach(async () => {
    broker = await startAedes();
  });

  afterEach(async () => {
    await connector?.disconnect({ flush: false });
    await raw?.endAsync(true);
    connector = raw = undefined;
    await broker.close();
  });

  it('restarts the keepalive timer a few times in a burst of QoS 1 publishes, raw MQTT.js once per PUBACK', async () => {
    raw = await mqtt.connectAsync(broker.url, { clientId: 'keepalive-raw', keepalive: 60 });
    const client = raw;
    const rawTimers = await keepaliveTimersSetDuring(() =>
      Promise.all(
        Array.from({ length: BURST }, (_, i) => client.publishAsync('keepalive/raw', `${i}`, { qos: 1 })),
      ),
    );
    expect(rawTimers).toBeGreaterThanOrEqual(BURST);

    connector = new MqttConnector({
      mqttBroker: broker.url,
      clientId: 'keepalive-connector',
      throttleInterval: 0,
      logLevel: 'error',
    });
    expect(await connector.connect()).toBe(true);
    const ours = connector;
    const started = Date.now();
    const timers = await keepaliveTimersSetDuring(() =>
      Promise.all(
        Array.from({ length: BURST }, (_, i) => ours.publish('keepalive/connector', `${i}`, { qos: 1 })),
      ),
    );
    // The first PUBACK restarts the timer, then at most one per RESTART_SPACING_MS of the burst.
    expect(timers).toBeGreaterThanOrEqual(1);
    expect(timers).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / RESTART_SPACING_MS) + 1);
  });

  it('stays connected while acknowledgements stream for longer than the keepalive timeout, and pings when idle', async () => {
    let pings = 0;
    broker.broker.on('ping', () => pings++);
    // keepalive 1 s: MQTT.js sends PINGREQ after 1 s without a restart and gives up after 1.5 s.
    connector = new MqttConnector({
      mqttBroker: broker.url,
      clientId: 'keepalive-short',
      throttleInterval: 0,
      keepalive: 1,
      logLevel: 'error',
    });
    expect(await connector.connect()).toBe(true);
    const left: string[] = [];
    const states = connector.state$.subscribe((state) => {
      if (state.status !== 'connected') left.push(state.status);
    });
    try {
      // 2 s of QoS 1 publishes, 50 at a time (bounded in time and in count).
      const streamed = Date.now();
      let waves = 0;
      while (Date.now() - streamed < 2_000 && waves < 10_000) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            connector?.publish('keepalive/stream', `${waves}-${i}`, { qos: 1 }),
          ),
        );
        waves++;
      }
      expect(left).toEqual([]);
      // Idle now: PINGREQs keep the connection up (bounded wait: 2 of them within 5 s).
      const before = pings;
      await eventually(() => pings >= before + 2, 5_000);
      expect(left).toEqual([]);
      expect(connector.isConnected()).toBe(true);
    } finally {
      states.unsubscribe();
    }
  });
});
