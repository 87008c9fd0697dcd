/**
 * A nats-server cluster on loopback: routes between all nodes, JetStream clustered, an MQTT listener on each
 * node. Found by experiment with nats-server 2.9.10 (see readme-brokers.md):
 * - MQTT needs a JetStream meta leader; a client that connects before one is elected can wait > 20 s.
 *   The first CONNACK after that takes 1.5–2.5 s (the MQTT streams are created then).
 * - nats picked 2 replicas for the MQTT streams of a 3-node cluster on its own, so one node down stalled
 *   them ("NO quorum"). `stream_replicas` is set to the cluster size here.
 * - After a node is killed, MQTT on the other nodes comes back when the streams and consumers that had a
 *   leader on it have elected new ones: 1–25 s (longest when the meta leader itself was killed).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNatsNode, type NatsOptions, type NatsServer } from './nats';
import { freePorts } from './ports';
import { sleep } from './process';

/** Options for {@link startNatsCluster}; `ackWait` defaults to `"5s"` here. */
export interface NatsClusterOptions extends Omit<NatsOptions, 'mqttPort' | 'serverName'> {
  /** `cluster.name`. Default `test-cluster`. */
  readonly clusterName?: string;
  /** How long `startNatsCluster` waits for MQTT to work across the nodes. Default 60,000 ms. */
  readonly readyTimeoutMs?: number;
}

/** A running cluster; nodes are named n1, n2, ... and can be stopped, killed and restarted one by one. */
export interface NatsCluster {
  readonly nodes: readonly NatsServer[];
  /** MQTT URLs of the nodes, in node order. */
  readonly urls: readonly string[];
  /** The node the running nodes' logs name as JetStream meta leader, if they agree on a running one. */
  metaLeader(): NatsServer | undefined;
  /**
   * Resolves once MQTT works across the running nodes: on each running node a QoS 1 publish reaches a
   * subscriber on the next running node. Retries until `timeoutMs` (default 60,000 ms), then rejects.
   * Call it after restarting a node or after a kill, before asserting on traffic.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops every node and deletes the temp dir. Idempotent. */
  close(): Promise<void>;
}

const LEADER =
  /(Self is new JetStream cluster metadata leader)|JetStream cluster new metadata leader: ([^/\s]+)\//g;

/** The last meta leader a node's current log names (its own name for "Self is new ..."). */
function lastLeaderSeen(node: NatsServer): string | undefined {
  let name: string | undefined;
  for (const match of node.log().matchAll(LEADER)) name = match[1] ? node.name : match[2];
  return name;
}

/** Connects a probe client, recorded in `clients` at once so that it is ended even if this never settles. */
function connectProbe(url: string, id: string, clients: MqttClient[]): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId: id, clean: true, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error(`probe ${id}: closed before CONNACK`)));
  });
}

/**
 * One cross-node round trip: QoS 1 from `from` to a subscriber on `to`. Every step is bounded: a node
 * without quorum may never answer a SUBSCRIBE or PUBLISH, and MQTT.js would wait for ever.
 */
async function probe(from: NatsServer, to: NatsServer, timeoutMs = 8000): Promise<void> {
  const id = `probe-${Math.random().toString(36).slice(2, 10)}`;
  const topic = `probe/${id}`;
  const clients: MqttClient[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe ${from.name} -> ${to.name} timed out`)), timeoutMs);
  });
  const roundTrip = async () => {
    const sub = await connectProbe(to.url, `${id}-sub`, clients);
    const arrived = new Promise<void>((resolve) => {
      sub.on('message', (t) => {
        if (t === topic) resolve();
      });
    });
    await sub.subscribeAsync(topic, { qos: 1 });
    const pub = await connectProbe(from.url, `${id}-pub`, clients);
    await pub.publishAsync(topic, 'ping', { qos: 1 });
    await arrived;
  };
  const attempt = roundTrip();
  attempt.catch(() => undefined); // it may fail after the race is lost (clients ended below)
  expired.catch(() => undefined);
  try {
    await Promise.race([attempt, expired]);
  } finally {
    clearTimeout(timer);
    await Promise.all(clients.map((client) => client.endAsync(true)));
  }
}

/**
 * Starts `size` (default 3) nats-server nodes on loopback, routed to each other, with JetStream clustered
 * and `stream_replicas` = size, and resolves once MQTT traffic crosses nodes (about 3–6 s for 3 nodes).
 * Rejects (after stopping what started) if a node fails or the cluster is not ready in `readyTimeoutMs`.
 *
 * @example
 * const cluster = await startNatsCluster(3);
 * const pub = await mqtt.connectAsync(cluster.urls[0]); const sub = await mqtt.connectAsync(cluster.urls[1]);
 * await cluster.nodes[1].kill(); await cluster.ready(); // then move `sub` to cluster.urls[2]
 * await cluster.close();
 */
export async function startNatsCluster(size = 3, options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const root = await mkdtemp(join(tmpdir(), 'nats-cluster-'));
  const routePorts = await freePorts(size);
  const nodeOptions: NatsOptions = { ackWait: '5s', ...options };
  const started = await Promise.allSettled(
    routePorts.map((routePort, i) =>
      createNatsNode(join(root, `n${i + 1}`), `n${i + 1}`, nodeOptions, {
        clusterName: options.clusterName ?? 'test-cluster',
        routePort,
        peerRoutePorts: routePorts.filter((p) => p !== routePort),
        replicas: size,
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  let closed = false;
  const cluster: NatsCluster = {
    nodes,
    urls: nodes.map((node) => node.url),
    metaLeader() {
      const votes = new Map<string, number>();
      for (const node of nodes.filter((n) => n.isRunning())) {
        const name = lastLeaderSeen(node);
        if (name) votes.set(name, (votes.get(name) ?? 0) + 1);
      }
      const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
      return nodes.find((node) => node.name === best?.[0] && node.isRunning());
    },
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      while (Date.now() < deadline) {
        const up = nodes.filter((node) => node.isRunning());
        // Connecting before a meta leader exists can hang a client for a long time: wait for one first.
        if (up.length === 0 || !cluster.metaLeader()) {
          await sleep(20);
          continue;
        }
        try {
          for (const [i, node] of up.entries()) await probe(node, up[(i + 1) % up.length] as NatsServer);
          return;
        } catch (error) {
          lastError = error;
          await sleep(200);
        }
      }
      const logs = nodes.map((node) => `--- ${node.name} ---\n${node.log()}`).join('\n');
      throw new Error(`nats cluster not ready in ${timeoutMs} ms: ${String(lastError)}\n${logs}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(nodes.map((node) => node.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await cluster.ready(options.readyTimeoutMs);
    return cluster;
  } catch (error) {
    await cluster.close();
    throw error;
  }
}
