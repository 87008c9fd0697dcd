/**
 * The profiled process of bench/tools/profile.ts: starts a broker, runs one variant `runs` times
 * (`--poison=N` first fires N publishes with a callback each, as scenario 1 does before its other rows).
 * `--path=latency` runs `n` round trips (scenario 3's ping → echo → pong) on a raw or a connector pair.
 */
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { type BenchBroker, startBroker } from '../lib/brokers.js';
import {
  connectorPublishRun,
  connectorPublishToRun,
  connectorWindowedRun,
  startConnector,
} from '../lib/connector.js';
import { connectorE2e, e2eRun, rawE2e } from '../lib/e2e.js';
import { payloads } from '../lib/e2e-receiver.js';
import { expertWindow, type RawPattern, rawPublishFresh } from '../lib/raw.js';
import { measure, openEnd, pair } from '../lib/round-trip.js';

/** Publishes n messages with raw MQTT.js in `pattern` on a fresh connection; resolves with elapsed ms. */
function rawRun(url: string, n: number, qos: QoS, payload: Buffer, pattern: RawPattern): Promise<number> {
  return rawPublishFresh(url, 4, 'bench/prof', n, qos, payload, pattern, 60_000);
}

/** `n` round trips one at a time on a fresh pair of `kind` ends; resolves with round trips per second. */
async function roundTripRate(
  broker: BenchBroker,
  kind: 'raw' | 'connector',
  qos: QoS,
  n: number,
  run: number,
): Promise<number> {
  const roundTrips = await pair(
    await openEnd(kind, broker, qos),
    await openEnd(kind, broker, qos),
    `prof-${process.pid}-${run}`,
  );
  try {
    const start = performance.now();
    const { rtts, lost } = await measure(roundTrips, n, 120_000);
    if (lost > 0) throw new Error(`${lost} round trips got no answer`);
    return (rtts.length / (performance.now() - start)) * 1000;
  } finally {
    await roundTrips.close();
  }
}

async function main(): Promise<void> {
  const args = new Args();
  const path = args.string('path', 'publish');
  const variant = args.string('variant', 'connector');
  const qos = args.number('qos', 1) as QoS;
  const size = args.number('size', 64);
  const n = args.number('n', qos === 2 ? 20_000 : 50_000);
  const runs = args.number('runs', 5);
  const kind = args.string('broker', 'aedes') as 'aedes' | 'mosquitto';
  const broker = await startBroker(
    { kind, noDelay: true, unbounded: path === 'e2e' && kind === 'mosquitto' },
    () => undefined,
  );
  const window = expertWindow(qos);
  try {
    // --poison=N: first fire N publishes with a callback each, as scenario 1's first row does, to measure
    // what follows in a process where V8 has pretenured Node's write objects.
    const poison = args.number('poison', 0);
    if (poison > 0) await rawRun(broker.url, poison, qos, Buffer.alloc(size, 0x78), { kind: 'fire' });
    for (let run = 0; run < runs; run++) {
      let rate: number;
      if (path === 'publish') {
        const payload = Buffer.alloc(size, 0x78);
        if (variant === 'connector' || variant === 'connector-win' || variant === 'connector-publishto') {
          const bench = await startConnector(broker.url);
          const elapsed =
            variant === 'connector'
              ? await connectorPublishRun(bench.connector, 'bench/prof', n, qos, payload, 60_000)
              : variant === 'connector-publishto'
                ? await connectorPublishToRun(bench.connector, 'bench/prof', n, qos, payload, 60_000)
                : await connectorWindowedRun(bench.connector, 'bench/prof', n, qos, payload, window, 60_000);
          rate = (n / elapsed) * 1000;
          await bench.close();
        } else {
          const pattern: RawPattern =
            variant === 'raw-fire'
              ? { kind: 'fire' }
              : variant === 'raw-promised'
                ? { kind: 'promised-window', window }
                : { kind: 'window', window };
          rate = (n / (await rawRun(broker.url, n, qos, payload, pattern))) * 1000;
        }
      } else if (path === 'latency') {
        rate = await roundTripRate(broker, variant === 'raw' ? 'raw' : 'connector', qos, n, run);
      } else {
        const messages = payloads(n, size);
        const limits = { idleMs: 1_500, capMs: 60_000 };
        const result =
          variant === 'connector'
            ? await connectorE2e(broker, 'bench/prof/e2e', qos, messages, limits)
            : variant === 'raw-to-connector' || variant === 'connector-to-raw'
              ? await e2eRun(broker, 'bench/prof/e2e', qos, messages, limits, {
                  publisher: variant === 'raw-to-connector' ? 'raw' : 'connector',
                  subscriber: variant === 'raw-to-connector' ? 'connector' : 'raw',
                  window,
                })
              : await rawE2e(
                  broker,
                  'bench/prof/e2e',
                  qos,
                  messages,
                  variant === 'raw-fire' ? 'all' : window,
                  limits,
                );
        rate = result.rate;
      }
      const unit = path === 'latency' ? 'round trips/s' : 'msgs/s';
      console.log(`run ${run + 1}: ${Math.round(rate).toLocaleString('en-US')} ${unit}`);
    }
  } finally {
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
