/**
 * The one MQTT.js client of a connector, and the only module that touches MQTT.js at run time.
 * It turns the client's events into Observables (the {@link MqttPort} the data paths use) and a
 * connection attempt into a cold Observable that the connection loop retries with backoff.
 *
 * @internal
 */
import mqtt from 'mqtt';
import type { IClientOptions, IConnackPacket, IDisconnectPacket, IPublishPacket, MqttClient } from 'mqtt';
import { Observable, Subject } from 'rxjs';
import type { ConnAck, IncomingPublish, MqttPort, PublishAck } from '../streams/port.js';
import type { BrokerEndpoint } from './broker-url.js';
import { classifyFailure, connectionLost } from './failures.js';
import { ClosedError, type MqttConnectorError } from './errors.js';
import type { Logger } from './logger.js';
import type { ResolvedOptions } from './options.js';
import { buildMqttOptions, resolveCredentials } from './mqtt-options.js';
import { configureMqttLog } from './mqtt-debug-log.js';
import { mqttJsBuffer } from './mqtt-payload.js';
import { writeBatchesWhole } from './packet-frames.js';
import { toIncomingPublish } from './packets.js';
import { spaceKeepaliveRestarts } from './keepalive-restarts.js';
import { guardAgainstPoisonMessages } from './poison-guard.js';
import { batchWritesPerRead } from './read-batched-writes.js';
import { createPublishSender } from './publish-sender.js';
import { SessionStores } from './session-stores.js';
import { writePublishesWhole } from './whole-publish-writes.js';

/** How long a graceful end may wait for outstanding acknowledgements before the socket is closed. */
const GRACEFUL_END_TIMEOUT_MS = 2000;

/** The MQTT.js client of a connector: the {@link MqttPort} plus what the connection loop needs. @internal */
export interface MqttClientHandle extends MqttPort {
  /**
   * One connection attempt to `broker`. Subscribing resolves the credentials and sends CONNECT; the
   * Observable emits the CONNACK once accepted, then errors when the attempt fails (refused, socket
   * error, timeout) or the established connection is lost later. Unsubscribing closes the socket.
   */
  attempt(broker: BrokerEndpoint): Observable<ConnAck>;
  /**
   * Ends the connection for good: fails what MQTT.js still holds (CLOSED), sends DISCONNECT when connected
   * (unless `force`) and closes the socket. The client can connect again afterwards.
   */
  end(force: boolean): Promise<void>;
  /**
   * Fails every publish still waiting inside MQTT.js with CLOSED and forgets those messages, so that no
   * later connection sends them (used when the connector gives up).
   */
  failPending(): void;
}

interface MqttClientInternals {
  _flush(): void;
  _flushVolatile(): void;
  stream?: { setNoDelay?: (noDelay: boolean) => void; destroy(): void; destroyed?: boolean };
}

/** Creates the client (no network yet: MQTT.js's `manualConnect`). @internal */
export function createMqttClient(options: ResolvedOptions, logger: Logger): MqttClientHandle {
  const clientOptions: IClientOptions = buildMqttOptions(options);
  const client: MqttClient = mqtt.connect(clientOptions);
  // While MQTT.js logs packets, it writes them all itself: a debugging session sees every one.
  const mqttJsLogs = configureMqttLog(client);
  const internals = client as unknown as MqttClientInternals;
  const stores = new SessionStores(options.clean);
  const buffer = mqttJsLogs ? undefined : mqttJsBuffer();
  const sender = createPublishSender(client, buffer);
  writePublishesWhole(client, buffer);

  // With reconnectPeriod 0 and clean sessions, MQTT.js fails the callbacks of in-flight QoS 1/2 publishes
  // on a forced clean-up (keepalive or CONNACK timeout) although the packets stay in its store and are
  // re-sent after the reconnect. Keep the callbacks instead, so each publish settles on its real ack;
  // `failPending` runs the original when the connector closes for good.
  const flushAll = internals._flush.bind(client);
  internals._flush = () => internals._flushVolatile();

  guardAgainstPoisonMessages(client, { limit: 3, windowMs: 2000, now: () => Date.now() });
  batchWritesPerRead(client);
  spaceKeepaliveRestarts(client);

  const connack$ = new Subject<ConnAck>();
  const connectionLost$ = new Subject<void>();
  const incoming$ = new Subject<IncomingPublish>();
  let current: ConnAck | undefined;
  // Tells the data paths that the connection is gone: once per connection, whichever of end(), the
  // socket's close or the cancelled attempt notices first (end() followed by the cancel sees both).
  const loseConnection = () => {
    if (current === undefined) return;
    current = undefined;
    connectionLost$.next();
  };
  // Set while end() runs: the close that follows is ours, not a drop to recover from.
  let ending = false;

  // True from a (re)connect until MQTT.js has processed the socket's close: a new attempt must wait for it,
  // or MQTT.js would treat the old socket as still connected and end() the client (closing its stores).
  let socketOpen = false;
  client.on('close', () => {
    socketOpen = false;
    sender.socketClosed();
  });
  const socketClosed = () =>
    socketOpen ? new Promise<void>((resolve) => client.once('close', () => resolve())) : Promise.resolve();

  // Listen from the start: a persistent session's backlog can arrive in the same read as the CONNACK.
  // `topic`, not `packet.topic`: MQTT.js resolves an MQTT 5 Topic Alias into the former only.
  client.on('message', (topic: string, _payload: unknown, packet: IPublishPacket) => {
    incoming$.next(toIncomingPublish(topic, packet));
  });

  function attempt(broker: BrokerEndpoint): Observable<ConnAck> {
    return new Observable<ConnAck>((subscriber) => {
      let active = true;
      let connected = false;
      let lastError: MqttConnectorError | undefined;
      let brokerDisconnect: IDisconnectPacket | undefined;

      const onConnect = (packet: IConnackPacket) => {
        connected = true;
        current = toConnAck(packet, broker, options.protocolVersion === 5 ? 5 : 4);
        subscriber.next(current);
        connack$.next(current);
      };
      const onError = (error: Error) => {
        lastError = classifyFailure(error, connected);
        logger.log('debug', 'MQTT client error', { broker: broker.url, error });
      };
      const onDisconnectPacket = (packet: IDisconnectPacket) => {
        brokerDisconnect = packet;
      };
      const onClose = () => {
        if (!active || ending) return;
        const wasConnected = connected;
        connected = false;
        if (wasConnected) loseConnection();
        subscriber.error(
          wasConnected || !lastError ? connectionLost(lastError, brokerDisconnect, wasConnected) : lastError,
        );
      };
      ending = false;
      Promise.all([resolveCredentials(options, broker, logger), socketClosed()])
        .then(([credentials]) => {
          if (!active || ending) return;
          // Listen only now: the previous socket's close must not count as this attempt's failure.
          client.on('connect', onConnect);
          client.on('error', onError);
          client.on('disconnect', onDisconnectPacket);
          client.on('close', onClose);
          Object.assign(client.options, endpointOptions(broker), credentials);
          socketOpen = true;
          client.reconnect(stores.current);
          if (options.noDelay) internals.stream?.setNoDelay?.(true);
          writeBatchesWhole(internals.stream); // one WebSocket frame per write batch in Node, not per chunk
        })
        .catch((error: unknown) => {
          if (active) subscriber.error(classifyFailure(error, false));
        });

      return () => {
        active = false;
        client.off('connect', onConnect);
        client.off('error', onError);
        client.off('disconnect', onDisconnectPacket);
        client.off('close', onClose);
        if (connected) loseConnection();
        // Destroy the socket rather than end() the client: end() would close (and, for clean sessions,
        // empty) the stores that hold the QoS 1/2 messages still in flight.
        if (!ending && internals.stream && !internals.stream.destroyed) internals.stream.destroy();
      };
    });
  }

  return {
    connack$: connack$.asObservable(),
    connectionLost$: connectionLost$.asObservable(),
    incoming$: incoming$.asObservable(),
    isConnected: () => current !== undefined && client.connected,
    currentConnAck: () => current,
    attempt,
    end: (force) =>
      new Promise<void>((resolve) => {
        ending = true;
        loseConnection();
        // Fail what MQTT.js still holds first: a graceful end() would otherwise wait for every ack.
        flushAll();
        const finish = () => {
          // What disconnect() rejected must not be sent by a later connect().
          stores.forgetRejected();
          resolve();
        };
        // Nothing to end while waiting between attempts: MQTT.js would wait for a 'close' that already happened.
        if (!internals.stream || internals.stream.destroyed) return finish();
        const graceful = !force && client.connected;
        // The DISCONNECT is written, then the socket half-closed; if the broker never closes its side,
        // destroy the socket so disconnect() cannot hang.
        const fallback = graceful
          ? setTimeout(() => internals.stream?.destroy(), GRACEFUL_END_TIMEOUT_MS)
          : undefined;
        client.end(!graceful, {}, () => {
          clearTimeout(fallback);
          finish();
        });
      }),
    failPending: () => {
      flushAll();
      stores.forgetRejected();
    },
    subscribe(requests) {
      return new Promise<number[]>((resolve, reject) => {
        const map = Object.fromEntries(
          requests.map((r) => [
            r.filter,
            { qos: r.qos, nl: r.noLocal, rap: r.retainAsPublished, rh: r.retainHandling },
          ]),
        );
        // A Subscription Identifier belongs to the packet (the port's contract: one per call).
        const identifier = requests[0]?.subscriptionIdentifier;
        const packetOptions =
          identifier === undefined ? {} : { properties: { subscriptionIdentifier: identifier } };
        client.subscribe(map, packetOptions, (error, granted) => {
          // MQTT.js reports a partial refusal as an error with the SUBACK packet: read the codes from it.
          const packet = (error as { packet?: { granted?: number[] } } | null)?.packet;
          const codes = packet?.granted ?? granted?.map((g) => g.qos);
          if (codes && codes.length === requests.length) resolve(codes);
          else
            reject(error ? classifyFailure(error, true) : new ClosedError('SUBSCRIBE was not acknowledged'));
        });
      });
    },
    unsubscribe(filters) {
      return new Promise<void>((resolve, reject) => {
        client.unsubscribe([...filters], (error) =>
          error ? reject(classifyFailure(error, true)) : resolve(),
        );
      });
    },
    publish: (topic, payload, publishOptions) =>
      new Promise<PublishAck>((resolve, reject) =>
        sender.publish(topic, payload, publishOptions, (error, ack) =>
          error ? reject(error) : resolve(ack as PublishAck),
        ),
      ),
    publishCallback: sender.publish,
  };
}

function endpointOptions(broker: BrokerEndpoint): Partial<IClientOptions> {
  return {
    protocol: broker.protocol,
    host: broker.host,
    hostname: broker.host,
    port: broker.port,
    path: broker.path,
  };
}

function toConnAck(packet: IConnackPacket, broker: BrokerEndpoint, protocolVersion: 4 | 5): ConnAck {
  const properties = packet.properties ?? {};
  return {
    protocolVersion,
    subscriptionIdentifiersAvailable: properties.subscriptionIdentifiersAvailable,
    sessionPresent: packet.sessionPresent === true,
    maximumPacketSize: properties.maximumPacketSize,
    receiveMaximum: properties.receiveMaximum,
    maximumQoS: properties.maximumQoS as ConnAck['maximumQoS'],
    retainAvailable: properties.retainAvailable,
    broker: broker.url,
  };
}
