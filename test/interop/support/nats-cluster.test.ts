import type { IClientOptions } from 'mqtt';
import { startNatsCluster, type NatsCluster } from '../../support/nats-cluster';
import type { NatsServer } from '../../support/nats';
import { ClientPool, collect, until, within, type Received } from './clients';

const pool = new ClientPool();
afterEach(() => pool.endAll());

describe('startNatsCluster(3)', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });
  afterAll(() => cluster.close());

  test('three nodes, each with its own MQTT URL, agree on a running meta leader', () => {
    expect(cluster.nodes.map((node) => node.name)).toEqual(['n1', 'n2', 'n3']);
    expect(new Set(cluster.urls).size).toBe(3);
    expect(cluster.nodes).toContain(cluster.metaLeader());
  });

  test('a QoS 1 publish on node 1 reaches subscribers on nodes 2 and 3', async () => {
    const [url1, url2, url3] = cluster.urls as [string, string, string];
    const subs = await Promise.all([url2, url3].map((url) => pool.connect(url)));
    const received = subs.map((sub) => collect(sub));
    await Promise.all(subs.map((sub) => sub.subscribeAsync('cross/#', { qos: 1 })));
    const pub = await pool.connect(url1);
    for (let i = 0; i < 10; i++) await pub.publishAsync(`cross/${i}`, String(i), { qos: 1 });
    await until(() => received.every((r) => r.length === 10), '10 messages on each node', 30_000).catch(
      (error: Error) => {
        const tails = cluster.nodes.map((n) => `--- ${n.name}\n${n.log().slice(-3000)}`).join('\n');
        throw new Error(`${error.message}: got ${received.map((r) => r.length).join(' and ')}\n${tails}`);
      },
    );
    for (const r of received)
      expect(r.map((m) => m.payload)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  /** Kills `victim` while a persistent subscriber is on it; the subscriber moves to `refuge`. */
  async function survive(victim: NatsServer, publisherNode: NatsServer, refuge: NatsServer): Promise<void> {
    const session: IClientOptions = { clientId: `mover-${victim.name}`, clean: false, connectTimeout: 3000 };
    const sub = await pool.connect(victim.url, session);
    await sub.subscribeAsync('move/#', { qos: 1 });
    const pub = await pool.connect(publisherNode.url);
    await within(pub.publishAsync('move/before', 'before', { qos: 1 }), 10_000, 'publish before');
    await victim.kill();
    await cluster.ready();
    // while the subscriber is offline; `pub` stayed connected to its node through the kill
    await within(pub.publishAsync('move/away', 'away', { qos: 1 }), 10_000, 'publish while away');
    let got: Received[] = [];
    let sessionPresent = false;
    await pool.connect(refuge.url, session, (client) => {
      got = collect(client);
      client.once('connect', (packet) => (sessionPresent = packet.sessionPresent));
    });
    expect(sessionPresent).toBe(true);
    await within(pub.publishAsync('move/after', 'after', { qos: 1 }), 10_000, 'publish after');
    await until(() => got.some((m) => m.payload === 'after'), 'the message published after the move', 30_000);
    await until(() => got.some((m) => m.payload === 'away'), 'the message published while offline', 30_000);
    await victim.start();
    await cluster.ready();
    expect(cluster.nodes.every((node) => node.isRunning())).toBe(true);
  }

  test('killing a non-leader node: a persistent session moves to another node, no QoS 1 loss', async () => {
    const leader = cluster.metaLeader() as NatsServer;
    const others = cluster.nodes.filter((node) => node !== leader);
    await survive(others[0] as NatsServer, leader, others[1] as NatsServer);
  });

  test('killing the meta leader: the cluster elects another and the session moves', async () => {
    const leader = cluster.metaLeader() as NatsServer;
    const others = cluster.nodes.filter((node) => node !== leader);
    await survive(leader, others[0] as NatsServer, others[1] as NatsServer);
    expect(cluster.metaLeader()).toBeDefined();
  });
});
