/**
 * An embedded MQTT broker (aedes) for tests, demos and examples: ephemeral ports, and an outage you
 * control (stop, then start again on the same ports).
 */
/// <reference types="node" />
import type { Aedes, AedesOptions } from 'aedes' with { 'resolution-mode': 'import' };
import { type Observable, Subject } from 'rxjs';
import { ClosedError, InvalidOptionsError, PublishFailedError } from '../connector/errors.js';
import type { QoS } from '../connector/types.js';
import { type BrokerServers, startServers } from './broker-servers.js';
import { usersAuthenticator } from './users.js';

/** One life of the broker, with the clients connected to it. */
interface Life extends BrokerServers {
  readonly clients: ReadonlySet<string>;
}

/**
 * Options of {@link startBroker}. The aedes hooks (`authenticate`, `authorizePublish`,
 * `authorizeSubscribe`, `preConnect`, `published`, ...) are passed through unchanged.
 */
export interface EmbeddedBrokerOptions extends AedesOptions {
  /** TCP port for `mqtt://`; default 0: an ephemeral port chosen by the OS (read it from `port` / `url`). */
  port?: number;
  /** Port of the WebSocket listener (`ws://`); default 0: ephemeral. */
  wsPort?: number;
  /** Address to listen on; default `'127.0.0.1'` (loopback only). */
  host?: string;
  /**
   * Accepted credentials, `{ username: password }`: any other CONNECT is refused with return code 4
   * ("bad username or password"). A shortcut for an `authenticate` hook; give one or the other.
   */
  users?: Readonly<Record<string, string>>;
}

/** A message some client published to the embedded broker (see {@link EmbeddedBroker.published$}). */
export interface PublishedMessage {
  /** The topic. */
  readonly topic: string;
  /** The payload bytes. */
  readonly payload: Uint8Array;
  /** The payload as UTF-8 text (invalid bytes replaced). */
  readonly text: string;
  /** QoS of the PUBLISH. */
  readonly qos: QoS;
  /** The retain flag of the PUBLISH. */
  readonly retain: boolean;
  /** Client identifier of the publisher. */
  readonly clientId: string;
}

/** Options of {@link EmbeddedBroker.publish}. */
export interface BrokerPublishOptions {
  /** QoS of the delivery, default 0. */
  qos?: QoS;
  /** Retain the message on the broker, default false. */
  retain?: boolean;
}

/**
 * A running embedded broker; see {@link startBroker}. Its addresses stay the same across
 * {@link EmbeddedBroker.stop | stop} / {@link EmbeddedBroker.start | start}, so a connector configured
 * with {@link EmbeddedBroker.url | url} reconnects to it after an outage.
 */
export interface EmbeddedBroker {
  /** `mqtt://<host>:<port>`. */
  readonly url: string;
  /** `ws://<host>:<wsPort>`. */
  readonly wsUrl: string;
  /** The host it listens on. */
  readonly host: string;
  /** TCP port (MQTT). */
  readonly port: number;
  /** WebSocket port. */
  readonly wsPort: number;
  /** True between a start and a stop. */
  readonly running: boolean;
  /**
   * The aedes instance of the current (or last) life: its events (`client`, `subscribe`, `publish`, ...)
   * and state (`connectedClients`). Each `start()` creates a new one.
   */
  readonly aedes: Aedes;
  /**
   * Every PUBLISH a client sends (not `$SYS` traffic, not the broker's own {@link EmbeddedBroker.publish}),
   * across restarts. Hot: only what arrives while subscribed. Completes on {@link EmbeddedBroker.close}.
   */
  readonly published$: Observable<PublishedMessage>;
  /** Identifiers of the clients connected now. */
  clientIds(): string[];
  /** Publishes from the broker itself, as if a client had; resolves once aedes has routed it. */
  publish(topic: string, payload: string | Uint8Array, options?: BrokerPublishOptions): Promise<void>;
  /**
   * Simulates a broker outage: stops aedes, drops every connection (clients see a lost connection, no
   * DISCONNECT) and stops listening, so reconnect attempts are refused. Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Starts a fresh broker on the same ports (no sessions, subscriptions or retained messages survive, as
   * after a crash of a broker without persistence). No-op while running.
   *
   * @param options - aedes options for the new life; default: those given to {@link startBroker}.
   * @throws ConnectionFailedError when a port was taken meanwhile; ClosedError after {@link EmbeddedBroker.close}.
   */
  start(options?: EmbeddedBrokerOptions): Promise<void>;
  /** `stop()` then `start(options)`. */
  restart(options?: EmbeddedBrokerOptions): Promise<void>;
  /**
   * An outage of `milliseconds`: stops, waits, then starts again on the same ports.
   *
   * @example
   * ```ts
   * await broker.outage(500); // clients see the connection drop and come back
   * ```
   */
  outage(milliseconds: number): Promise<void>;
  /**
   * An outage lasting while `during` runs: stops, awaits `during()`, then starts again on the same ports,
   * also when `during` fails (its error is rethrown after the restart).
   *
   * @returns the result of `during`.
   * @example
   * ```ts
   * const queued = await broker.outage(async () => {
   *   await waitForState(connector, 'reconnecting');
   *   return connector.publish('a/b', 'sent once the broker is back', { qos: 1 });
   * });
   * ```
   */
  outage<T>(during: () => T | Promise<T>): Promise<T>;
  /** Stops for good: `start()` refuses afterwards and `published$` completes. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an embedded aedes broker (MQTT 3.1.1) listening on ephemeral loopback ports for `mqtt://` and
 * `ws://`. aedes (1.x) and ws are optional peer dependencies: install them as dev dependencies.
 *
 * @returns the running broker; close it (`await broker.close()`) when done, so the process can exit.
 * @throws MqttConnectorError `INVALID_OPTIONS` when aedes or ws is not installed; ConnectionFailedError
 *   when a port given in the options is taken.
 * @example
 * ```ts
 * import { MqttConnector } from 'mqtt-connector';
 * import { startBroker, waitForState } from 'mqtt-connector/testing';
 *
 * const broker = await startBroker();
 * const connector = new MqttConnector({ mqttBroker: broker.url, reconnectInterval: 50 });
 * await connector.connect();
 * await broker.stop();                            // the outage begins
 * await waitForState(connector, 'reconnecting');
 * await broker.start();                           // same port: the connector comes back
 * await waitForState(connector, 'connected');
 * await connector.disconnect();
 * await broker.close();
 * ```
 */
export async function startBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const published = new Subject<PublishedMessage>();
  let defaults = options;
  let closed = false;
  let current: Life | undefined;
  let last: Life;
  // Starts and stops run one at a time, in call order: a start racing a stop must not bind the ports twice.
  let lifecycle = Promise.resolve();
  const serially = (step: () => Promise<void>): Promise<void> => {
    const run = lifecycle.then(step);
    lifecycle = run.catch(() => undefined);
    return run;
  };

  const launch = async (launchOptions: EmbeddedBrokerOptions, ports: { port: number; wsPort: number }) => {
    const servers = await startServers(aedesOptions(launchOptions), { host, ...ports });
    servers.aedes.on('publish', (packet, client) => {
      if (client) published.next(toPublished(packet, client.id));
    });
    const clients = new Set<string>();
    servers.aedes.on('client', (client) => clients.add(client.id)); // registered before its CONNACK
    servers.aedes.on('clientDisconnect', (client) => clients.delete(client.id));
    return { ...servers, clients };
  };

  last = current = await launch(options, { port: options.port ?? 0, wsPort: options.wsPort ?? 0 });
  const { port, wsPort } = last;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const broker: EmbeddedBroker = {
    url: `mqtt://${urlHost}:${port}`,
    wsUrl: `ws://${urlHost}:${wsPort}`,
    host,
    port,
    wsPort,
    get running() {
      return current !== undefined;
    },
    get aedes() {
      return last.aedes;
    },
    published$: published.asObservable(),
    clientIds: () => (current ? [...current.clients] : []),
    publish: (topic, payload, publishOptions = {}) => {
      if (!current) return Promise.reject(new ClosedError('The embedded broker is stopped'));
      return brokerPublish(current.aedes, topic, payload, publishOptions);
    },
    stop: () =>
      serially(async () => {
        const servers = current;
        current = undefined;
        await servers?.close();
      }),
    start: (startOptions = defaults) =>
      serially(async () => {
        if (closed) throw new ClosedError('The embedded broker was closed');
        if (current) return;
        defaults = startOptions;
        last = current = await launch(startOptions, { port, wsPort });
      }),
    async restart(restartOptions = defaults) {
      await broker.stop();
      await broker.start(restartOptions);
    },
    outage: (async <T>(during: number | (() => T | Promise<T>)) => {
      await broker.stop();
      try {
        if (typeof during !== 'number') return await during();
        await new Promise<void>((resolve) => setTimeout(resolve, during));
        return undefined;
      } finally {
        await broker.start();
      }
    }) as EmbeddedBroker['outage'],
    async close() {
      closed = true;
      await broker.stop();
      published.complete();
    },
  };
  return broker;
}

/** The aedes part of the options (without ours), with `users` turned into an `authenticate` hook. */
function aedesOptions(options: EmbeddedBrokerOptions): AedesOptions {
  const { port: _port, wsPort: _wsPort, host: _host, users, ...rest } = options;
  if (!users) return rest;
  if (rest.authenticate)
    throw new InvalidOptionsError('startBroker(): give `users` or `authenticate`, not both');
  return { ...rest, authenticate: usersAuthenticator(users) };
}

function toPublished(
  packet: { topic: string; payload: Buffer | string; qos: number; retain: boolean },
  clientId: string,
): PublishedMessage {
  const payload =
    typeof packet.payload === 'string'
      ? new TextEncoder().encode(packet.payload)
      : new Uint8Array(packet.payload); // a copy: aedes may reuse the buffer
  return {
    topic: packet.topic,
    payload,
    text: new TextDecoder().decode(payload),
    qos: packet.qos as QoS,
    retain: packet.retain,
    clientId,
  };
}

function brokerPublish(
  aedes: Aedes,
  topic: string,
  payload: string | Uint8Array,
  { qos = 0, retain = false }: BrokerPublishOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    aedes.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false },
      (error?: Error | null) =>
        error
          ? reject(
              new PublishFailedError(`The embedded broker could not publish to ${topic}`, undefined, {
                cause: error,
              }),
            )
          : resolve(),
    );
  });
}
