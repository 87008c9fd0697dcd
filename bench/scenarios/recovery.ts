/**
 * Scenario 6: recovery. A client subscribes to a topic and publishes a QoS 1 probe to it every 10 ms;
 * the broker is SIGKILLed and started again on the same port at once; recovery = time from the kill to
 * the first probe received after the broker is back (it went through the new connection and the restored
 * subscription). Raw MQTT.js (reconnectPeriod = R, its own resubscribe) against the connector
 * (reconnectInterval = R), interleaved.
 *
 * aedes runs twice: as judged, its child builds mqtt-packet's number cache while it starts (that time falls
 * in the outage, which the recovery includes); then, for reference, with the cache left to its first packet
 * write as aedes does by default, which delays the first CONNACK after the restart by 60-200 ms
 * (`--cold-aedes=false` skips that pass).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttConnectorOptions } from '../../src/connector/types.js';
import { type BenchBroker, type BrokerSpec, scenarioBroker } from '../lib/brokers.js';
import { startConnector } from '../lib/connector.js';
import { clientId, endRaw, useMqttJsWriteCache } from '../lib/raw.js';
import { runScenario } from '../lib/scenario.js';
import { int, spread, spreadText } from '../lib/stats.js';
import { rotate, sleep, withTimeout } from '../lib/timing.js';

/** A client that publishes probes to its own subscription. */
interface Prober {
  /** Resolves with the receive time (performance.now) of the first probe received after `after`. */
  firstAfter(after: number, timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

const PROBE_MS = 10;

function probeWatch() {
  let lastReceived = 0;
  let waiter: { after: number; resolve: (at: number) => void } | undefined;
  return {
    received() {
      lastReceived = performance.now();
      if (waiter !== undefined && lastReceived > waiter.after) {
        const w = waiter;
        waiter = undefined;
        w.resolve(lastReceived);
      }
    },
    firstAfter(after: number, timeoutMs: number) {
      return withTimeout(
        new Promise<number>((resolve) => {
          waiter = { after, resolve };
        }),
        timeoutMs,
        'no probe came back',
      );
    },
  };
}

async function rawProber(broker: BenchBroker, interval: number, topic: string): Promise<Prober> {
  const watch = probeWatch();
  useMqttJsWriteCache();
  const client: MqttClient = mqtt.connect(broker.url, {
    clientId: clientId('rec'),
    protocolVersion: 4,
    reconnectPeriod: interval,
    connectTimeout: 5_000,
  });
  client.on('message', () => watch.received());
  client.on('error', () => undefined); // ECONNREFUSED while the broker is down
  await withTimeout(
    new Promise<void>((resolve) => client.once('connect', () => resolve())),
    10_000,
    'raw connect',
  );
  await client.subscribeAsync(topic, { qos: 1 });
  const payload = Buffer.alloc(16, 0x78);
  const timer = setInterval(() => client.publish(topic, payload, { qos: 1 }, () => undefined), PROBE_MS);
  return {
    firstAfter: watch.firstAfter,
    close: async () => {
      clearInterval(timer);
      await endRaw(client);
    },
  };
}

async function connectorProber(
  broker: BenchBroker,
  interval: number,
  topic: string,
  options: MqttConnectorOptions,
): Promise<Prober> {
  const watch = probeWatch();
  const bench = await startConnector(broker.url, { reconnectInterval: interval, ...options });
  const sub = bench.connector
    .subscribe(topic, { qos: 1, decode: 'binary' })
    .subscribe(() => watch.received());
  await bench.connector.whenSubscribed(topic);
  const payload = new Uint8Array(16).fill(0x78);
  const timer = setInterval(
    () => void bench.connector.publish(topic, payload, { qos: 1 }).catch(() => undefined),
    PROBE_MS,
  );
  return {
    firstAfter: watch.firstAfter,
    close: async () => {
      clearInterval(timer);
      sub.unsubscribe();
      await bench.close();
    },
  };
}

interface Variant {
  readonly name: string;
  readonly judged: boolean;
  open(broker: BenchBroker, topic: string): Promise<Prober>;
}

runScenario('6-recovery', 'Recovery after a broker restart', async (ctx) => {
  const brokers = ctx.args.list('brokers', ['aedes']);
  const coldAedes = ctx.args.bool('cold-aedes', !ctx.smoke);
  const specs: { spec: BrokerSpec; judged: boolean }[] = brokers.flatMap((kind) => {
    const spec: BrokerSpec = { kind: kind as 'aedes' | 'mosquitto', noDelay: true };
    const cold = { spec: { ...spec, coldPacketCache: true }, judged: false };
    return kind === 'aedes' && coldAedes ? [{ spec, judged: true }, cold] : [{ spec, judged: true }];
  });
  const reps = ctx.args.number('reps', ctx.smoke ? 1 : 5);
  const interval = ctx.args.number('interval', ctx.smoke ? 300 : 1_000);
  const variants: Variant[] = [
    {
      name: `raw MQTT.js, reconnectPeriod ${interval}`,
      judged: false,
      open: (b, t) => rawProber(b, interval, t),
    },
    {
      name: `connector, reconnectInterval ${interval}, reconnectJitter 'none'`,
      judged: true,
      open: (b, t) => connectorProber(b, interval, t, { reconnectJitter: 'none' }),
    },
    {
      name: `connector, reconnectInterval ${interval}, default jitter ('equal')`,
      judged: false,
      open: (b, t) => connectorProber(b, interval, t, {}),
    },
  ];
  const rows: string[][] = [];
  const raw: Record<string, unknown> = {};
  let run = 0;
  for (const { spec, judged } of specs) {
    const broker = await scenarioBroker(ctx, spec);
    const recoveries = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const afterUp = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const outages = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const failures = new Map<string, string[]>(variants.map((v) => [v.name, []]));
    for (let rep = 0; rep < reps; rep++) {
      ctx.checkTime(interval * 4 * variants.length);
      for (const variant of rotate(variants, rep)) {
        const prober = await variant.open(broker, `bench/recovery/${process.pid}-${run++}`);
        try {
          await prober.firstAfter(performance.now(), 5_000); // flowing before the outage
          await sleep(50);
          const killedAt = performance.now();
          await broker.kill();
          await broker.start();
          const upAt = performance.now();
          const first = await prober.firstAfter(upAt, interval * 8 + 5_000);
          recoveries.get(variant.name)?.push(first - killedAt);
          afterUp.get(variant.name)?.push(first - upAt);
          outages.get(variant.name)?.push(upAt - killedAt);
        } catch (error) {
          failures.get(variant.name)?.push(error instanceof Error ? error.message : String(error));
          // Make sure the broker runs for the next variant.
          if (!broker.running()) await broker.start();
        } finally {
          await prober.close();
        }
      }
    }
    for (const variant of variants) {
      const r = spread(recoveries.get(variant.name) ?? []);
      const fails = failures.get(variant.name) ?? [];
      rows.push([
        broker.label,
        variant.name,
        spreadText(r),
        spreadText(spread(outages.get(variant.name) ?? [])),
        spreadText(spread(afterUp.get(variant.name) ?? [])),
        `${int(r.median - interval)}`,
        fails.length > 0 ? `FAILED ${fails.length}: ${[...new Set(fails)].join('; ')}` : '',
      ]);
      ctx.log(`${broker.label} ${variant.name}: recovery median ${int(r.median)} ms`);
      if (judged && variant.judged) {
        const outage = spread(outages.get(variant.name) ?? []).median;
        ctx.out.target({
          target: 'recovery ≤ reconnectInterval + 100 ms',
          where: `${broker.label}, reconnectInterval ${interval} ms, jitter 'none', median outage ${int(outage)} ms`,
          measured: `${int(r.median)} ms from the kill (max ${int(r.max)}) = reconnectInterval + ${int(r.median - interval)} ms`,
          met: fails.length === 0 && r.count > 0 ? r.median <= interval + 100 : false,
          reps: `${(recoveries.get(variant.name) ?? []).filter((ms) => ms <= interval + 100).length} of ${r.count + fails.length}`,
        });
      }
    }
    raw[broker.label] = {
      recoveries: Object.fromEntries(recoveries),
      outages: Object.fromEntries(outages),
      afterUp: Object.fromEntries(afterUp),
      failures: Object.fromEntries(failures),
    };
    await broker.stop();
  }
  ctx.out.raw.recovery = raw;
  ctx.out.table({
    title: 'Recovery after a broker restart, ms (min / median / max)',
    intro:
      `One client subscribed to a topic publishes a QoS 1 probe to it every ${PROBE_MS} ms. The broker process is ` +
      `SIGKILLed and started again at once on the same port (the outage column: kill → accepting again; for aedes ` +
      `that includes a Node start-up, and unless the label says otherwise the child's building of ` +
      `mqtt-packet's number cache, which aedes by default leaves to its first packet write); ` +
      `recovery = kill → first probe received after the broker is back (new connection, restored subscription). ` +
      `Fresh client per rep, ${reps} reps, variants in rotating order. The connector with reconnectJitter 'none' ` +
      `waits exactly reconnectInterval after the drop, like MQTT.js's reconnectPeriod; its default jitter ` +
      `('equal') waits between half and all of it.`,
    columns: [
      'broker',
      'client',
      'recovery (min / **median** / max)',
      'outage',
      'broker up → first probe',
      'median − interval',
      'notes',
    ],
    rows,
  });
});
