/**
 * The receiving client's own cost per message, alone: raw MQTT.js with a 'message' handler against the
 * connector with an observer (decode 'binary'), both fed the same QoS 0 PUBLISH packets by a replay
 * server in another process (tools/replay-server.ts), so no broker and no publisher share this process or
 * its core, interleaved:
 *
 *   npx tsx bench/tools/receive-cost.ts --batch=2 --rate=50000 --reps=9
 *   npx tsx bench/tools/receive-cost.ts --protocol=5      (the packets carry the subscription's identifier)
 *   npx tsx bench/tools/receive-cost.ts --rate=0          (as fast as the socket takes them: large reads)
 *   npx tsx bench/tools/receive-cost.ts --other=/tmp/proto/src   (adds B: another tree's connector)
 *   npx tsx bench/tools/receive-cost.ts --this=/tmp/base/src --other=/tmp/proto/src
 *
 * `--batch` packets per server write, `--rate` messages per second (the server spins between writes): a
 * client that keeps up reads about `--batch` packets at a time, as from a broker that forwards messages one
 * by one (mosquitto makes one write per message; with both clients in one process, scenario 8's subscriber
 * read 2–5 messages at a time, bench/ANALYSIS.md). Prints, per client, this process's CPU µs per message
 * received from the replay's start to the last message (min / median / max over reps), the part in garbage
 * collection, and messages per read system call.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { type ConnectorClass, loadConnector } from '../lib/connector.js';
import { measureCost } from '../lib/cost.js';
import { subscribeSide } from '../lib/e2e.js';
import { Receiver } from '../lib/e2e-receiver.js';
import { fixed, int, median, signed, spread, spreadText } from '../lib/stats.js';
import { rotate, withTimeout } from '../lib/timing.js';
import type { Replay } from './replay-server.js';

/** One run's readings per message received. */
interface Reading {
  readonly cpu: number;
  readonly gc: number;
  readonly messagesPerRead: number;
}

const TOPIC = 'replay/messages';

/** Forks the replay server; resolves with it and the URL it listens on. */
async function startReplayServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork('bench/tools/replay-server.ts', [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await withTimeout(once(child, 'message'), 30_000, 'replay server did not start')) as [
    { port: number },
  ];
  return { child, url: `mqtt://127.0.0.1:${message.port}` };
}

/** One run: subscribes a fresh client of `kind`, has the server replay, measures until all arrived. */
async function run(
  server: ChildProcess,
  url: string,
  kind: 'raw' | ConnectorClass | undefined,
  replay: Replay,
  protocolVersion: 4 | 5,
): Promise<Reading> {
  const rx = new Receiver(replay.n);
  const side = await subscribeSide(
    kind === 'raw' ? 'raw' : 'connector',
    { url },
    TOPIC,
    0 as QoS,
    rx,
    kind === 'raw' ? undefined : kind,
    protocolVersion,
  );
  try {
    const meter = measureCost();
    const start = performance.now();
    server.send({ type: 'replay', ...replay });
    const outcome = await rx.done(Promise.resolve(), 2_000, 60_000, start);
    const cost = await meter.stop();
    if (outcome !== 'complete') throw new Error(`${rx.unique} of ${replay.n} messages arrived (${outcome})`);
    return {
      cpu: cost.cpuUs / replay.n,
      gc: cost.gcUs / replay.n,
      messagesPerRead: cost.readCalls === undefined ? Number.NaN : replay.n / cost.readCalls,
    };
  } finally {
    await side.close();
  }
}

async function main(): Promise<void> {
  const args = new Args();
  const replay: Replay = {
    n: args.number('n', 50_000),
    batch: args.number('batch', 2),
    rate: args.number('rate', 50_000),
  };
  const reps = args.number('reps', 9);
  const protocolVersion = args.protocolVersion();
  const selfDir = args.optionalString('this');
  const otherDir = args.optionalString('other');
  const clients: (readonly [string, 'raw' | ConnectorClass | undefined])[] = [
    ['raw MQTT.js', 'raw'],
    [
      `connector (${selfDir ?? 'this checkout'})`,
      selfDir === undefined ? undefined : await loadConnector(selfDir),
    ],
  ];
  if (otherDir !== undefined) clients.push([`B (${otherDir})`, await loadConnector(otherDir)]);
  const readings = clients.map((): Reading[] => []);
  const server = await startReplayServer();
  try {
    // One untimed round with a fifth of the messages: every client's code paths warm.
    for (const [, kind] of clients)
      await run(server.child, server.url, kind, { ...replay, n: replay.n / 5 }, protocolVersion);
    for (let rep = 0; rep < reps; rep++) {
      for (const index of rotate(
        clients.map((_, i) => i),
        rep,
      )) {
        const [, kind] = clients[index] as (typeof clients)[number];
        readings[index]?.push(await run(server.child, server.url, kind, replay, protocolVersion));
      }
    }
  } finally {
    server.child.send({ type: 'close' });
    await once(server.child, 'exit');
  }
  console.log(
    `MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS 0, ${int(replay.n)} messages of 64 B per run, ` +
      `${replay.batch} per server write at ${replay.rate > 0 ? `${int(replay.rate)} msgs/s` : 'the socket’s pace'}; ` +
      `CPU µs per message (min / median / max over ${reps} reps):`,
  );
  const base = median(readings[0]?.map((r) => r.cpu) ?? []);
  clients.forEach(([name], i) => {
    const rows = readings[i] ?? [];
    const cpu = spread(rows.map((r) => r.cpu));
    console.log(
      `${name.padEnd(34)} CPU ${spreadText(cpu, (v) => fixed(v, 2))} (${i === 0 ? 'base' : signed(cpu.median - base, (v) => fixed(v, 2))})  ` +
        `GC ${fixed(median(rows.map((r) => r.gc)), 2)}  msgs/read ${fixed(median(rows.map((r) => r.messagesPerRead)), 1)}`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
