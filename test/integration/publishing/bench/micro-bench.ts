/**
 * Quick local micro-benchmark of the publish pipeline against raw MQTT.js (not the formal `npm run bench`).
 * aedes runs in a child process; raw and pipeline runs are interleaved, each on a fresh connection.
 *
 *   npx tsx test/integration/publishing/bench/micro-bench.ts [--reps=5] [--n=50000] [--qos=0,1,2] [--sizes=64,1024]
 *     [--caller=burst|window]   burst (default): all publish() calls at once, then await all (the formal
 *                               bench's shape); window: at most 100 unsettled publish() promises at a time
 *
 * raw = MQTT.js with at most W callbacks outstanding (W = 100 for QoS 0/1, 20 for QoS 2: the windowed
 * pattern an expert writes); pipeline = PublishPipeline over the connector's MQTT.js adapter at
 * throttleInterval 0, all publishes fired at once and every promise awaited. Both end with a QoS 1
 * "fence" publish whose PUBACK proves the broker read everything; rate = n / time until then.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import type { Subscription } from 'rxjs';
import { Logger } from '../../../../src/connector/logger.js';
import { createMqttClient } from '../../../../src/connector/mqtt-client.js';
import { resolveOptions } from '../../../../src/connector/options.js';
import type { QoS } from '../../../../src/connector/types.js';
import { PublishPipeline } from '../../../../src/streams/publish-pipeline.js';
import type { MqttPort } from '../../../../src/streams/port.js';
import { connectTestOnlyRawPort } from '../helpers/test-only-raw-port.js';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [key, value] = a.replace(/^--/, '').split('=');
    return [key, value];
  }),
);
const reps = Number(args.reps ?? 5);
const nBase = Number(args.n ?? 50_000);
const qosList = (args.qos ?? '0,1,2').split(',').map(Number) as QoS[];
const sizes = (args.sizes ?? '64,1024').split(',').map(Number);
/** `burst`: all n publish() calls at once, then await them all; `window`: at most 100 unsettled at a time. */
const caller = args.caller === 'window' ? 'window' : 'burst';
const deadline = Date.now() + 10 * 60_000; // hard stop: 10 minutes

async function startBroker(): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./aedes-child.mjs', `file://${__filename}`).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    stop: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

async function raw(url: string, n: number, qos: QoS, payload: Uint8Array): Promise<number> {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const window = qos === 2 ? 20 : 100;
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = () => {
      while (sent < n && sent - done < window) {
        sent++;
        client.publish('bench/t', buffer, { qos }, (error) => {
          if (error) return reject(error);
          done++;
          if (done === n) resolve();
          else next();
        });
      }
    };
    next();
  });
  await client.publishAsync('bench/fence', 'x', { qos: 1 });
  const elapsed = performance.now() - start;
  await client.endAsync();
  return (n / elapsed) * 1000;
}

/** Fires n publishes through a pipeline over `port` (all at once) and awaits every promise. */
async function firePipeline(port: MqttPort, n: number, qos: QoS, payload: Uint8Array): Promise<number> {
  const publisher = new PublishPipeline(port, { throttleInterval: 0 });
  publisher.resume();
  const start = performance.now();
  if (caller === 'burst') {
    const promises = new Array<Promise<unknown>>(n);
    for (let i = 0; i < n; i++) promises[i] = publisher.publish('bench/t', payload, { qos });
    await Promise.all(promises);
  } else {
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let done = 0;
      const next = (): void => {
        while (sent < n && sent - done < 100) {
          sent++;
          publisher.publish('bench/t', payload, { qos }).then(() => {
            done++;
            if (done === n) resolve();
            else next();
          }, reject);
        }
      };
      next();
    });
  }
  await publisher.publish('bench/fence', 'x', { qos: 1 });
  return (n / (performance.now() - start)) * 1000;
}

/** The pipeline over the connector's MQTT.js adapter (promise per publish). */
async function pipeline(url: string, n: number, qos: QoS, payload: Uint8Array): Promise<number> {
  const options = resolveOptions({ mqttBroker: url, throttleInterval: 0 });
  const handle = createMqttClient(options, new Logger('error', undefined, Date.now));
  const connection = handle.attempt(options.brokers[0] as (typeof options.brokers)[number]);
  let subscription: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    subscription = connection.subscribe({ next: () => resolve(), error: reject });
  });
  const rate = await firePipeline(handle, n, qos, payload);
  subscription?.unsubscribe();
  await handle.end(false);
  return rate;
}

/** The pipeline over a port with the publishCallback fast path (test-only raw port). */
async function pipelineCallback(url: string, n: number, qos: QoS, payload: Uint8Array): Promise<number> {
  const port = await connectTestOnlyRawPort(url);
  const rate = await firePipeline(port, n, qos, payload);
  await port.end();
  return rate;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  const broker = await startBroker();
  const url = `mqtt://127.0.0.1:${broker.port}`;
  console.log(`node ${process.version}, reps ${reps}, caller ${caller}, aedes child process on ${url}`);
  console.log(
    '| QoS | size | raw windowed (min/med/max msgs/s) | pipeline, adapter port | ratio | pipeline, callback port | ratio |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const variants = [raw, pipeline, pipelineCallback];
  try {
    for (const qos of qosList) {
      for (const size of sizes) {
        const n = qos === 2 ? Math.round(nBase * 0.4) : nBase;
        const payload = new Uint8Array(size).fill(120);
        for (const variant of variants) await variant(url, Math.round(n / 5), qos, payload); // warm-up
        const rates: number[][] = variants.map(() => []);
        for (let rep = 0; rep < reps && Date.now() < deadline; rep++) {
          // rotate the order each rep so no variant always runs first
          for (let k = 0; k < variants.length; k++) {
            const index = (k + rep) % variants.length;
            rates[index]?.push(await (variants[index] as typeof raw)(url, n, qos, payload));
          }
        }
        const [raws, ours, fast] = rates as [number[], number[], number[]];
        const ratio = (v: number[]) => median(v.map((rate, i) => rate / (raws[i] as number))).toFixed(2);
        const span = (v: number[]) =>
          `${fmt(Math.min(...v))} / **${fmt(median(v))}** / ${fmt(Math.max(...v))}`;
        console.log(
          `| ${qos} | ${size} B | ${span(raws)} | ${span(ours)} | ${ratio(ours)} | ${span(fast)} | ${ratio(fast)} |`,
        );
      }
    }
  } finally {
    await broker.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
