/**
 * The narrow, internal interface between the data paths (src/streams) and the one MQTT.js client
 * (owned by src/connector). Nothing in src/streams touches MQTT.js directly: the publish pipeline and
 * the subscription registry talk to the broker only through an {@link MqttPort}. Unit tests may give
 * them a fake port; integration tests use the real one (src/connector/mqtt-client.ts).
 *
 * @internal
 */
import type { Observable } from 'rxjs';
import type { MessageProperties, QoS } from '../connector/types.js';

/** What a CONNACK told us. */
export interface ConnAck {
  /** The broker resumed a stored session (subscriptions and queued messages kept). */
  readonly sessionPresent: boolean;
  /** MQTT 5 broker limits from CONNACK properties (absent on 3.1.1). */
  readonly maximumPacketSize?: number;
  /** MQTT 5 Receive Maximum: how many QoS 1/2 publishes may be unacknowledged at once. */
  readonly receiveMaximum?: number;
  /** MQTT 5: highest QoS the broker accepts. */
  readonly maximumQoS?: QoS;
  /** MQTT 5: whether the broker supports retained messages. */
  readonly retainAvailable?: boolean;
  /** The protocol of this connection: 4 = MQTT 3.1.1, 5 = MQTT 5 (absent: 4). */
  readonly protocolVersion?: 4 | 5;
  /** MQTT 5: whether the broker supports Subscription Identifiers (absent on MQTT 5: true). */
  readonly subscriptionIdentifiersAvailable?: boolean;
  /** The broker URL (without credentials) this CONNACK came from. */
  readonly broker: string;
}

/** One PUBLISH packet received from the broker. */
export interface IncomingPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  readonly properties?: MessageProperties;
}

/** One entry of a SUBSCRIBE packet. */
export interface SubscriptionRequest {
  /** The filter sent to the broker (named wildcards already reduced to `+` / `#`). */
  readonly filter: string;
  readonly qos: QoS;
  /** MQTT 5 No Local. */
  readonly noLocal?: boolean;
  /** MQTT 5 Retain As Published. */
  readonly retainAsPublished?: boolean;
  /** MQTT 5 Retain Handling: 0 send retained on subscribe, 1 only on a new subscription, 2 never. */
  readonly retainHandling?: 0 | 1 | 2;
  /**
   * MQTT 5 Subscription Identifier (1 to 268,435,455). It is a property of the whole SUBSCRIBE packet:
   * the requests of one {@link MqttPort.subscribe} call all carry the same one, or none.
   */
  readonly subscriptionIdentifier?: number;
}

/** Options of one outgoing PUBLISH. */
export interface OutgoingPublishOptions {
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties?: MessageProperties;
}

/** What the broker said about one outgoing PUBLISH. */
export interface PublishAck {
  /** MQTT 5 PUBACK/PUBREC reason code (0 on 3.1.1 and QoS 0). */
  readonly reasonCode: number;
}

/** The connector's MQTT client, as the data paths see it. */
export interface MqttPort {
  /** Hot: emits once per accepted CONNACK. */
  readonly connack$: Observable<ConnAck>;
  /** Hot: emits when an established connection ends (lost, or closed by `disconnect()`). */
  readonly connectionLost$: Observable<void>;
  /** Hot: every PUBLISH received. Listens from before the first CONNECT, so nothing sent with CONNACK is missed. */
  readonly incoming$: Observable<IncomingPublish>;
  /** True between an accepted CONNACK and the end of that connection. */
  isConnected(): boolean;
  /** The last CONNACK of the current connection, or undefined while not connected. */
  currentConnAck(): ConnAck | undefined;
  /**
   * Sends one SUBSCRIBE. Resolves with the granted QoS / reason code per request, in order (0x80 and up =
   * refused). Rejects when the connection ends before the SUBACK.
   */
  subscribe(requests: readonly SubscriptionRequest[]): Promise<number[]>;
  /** Sends one UNSUBSCRIBE. Rejects when the connection ends before the UNSUBACK. */
  unsubscribe(filters: readonly string[]): Promise<void>;
  /**
   * Sends one PUBLISH. Resolves on PUBACK (QoS 1), PUBCOMP (QoS 2) or when written (QoS 0). QoS 1/2
   * messages stay in MQTT.js's outgoing store across reconnects and are re-sent by it; the promise only
   * rejects for a broker refusal (MQTT 5 reason code ≥ 0x80) or when the connector is closed for good.
   * A QoS 0 write still unfinished when its connection is lost rejects then (it is never re-sent).
   */
  publish(topic: string, payload: Uint8Array, options: OutgoingPublishOptions): Promise<PublishAck>;
  /**
   * The same as {@link MqttPort.publish} with a callback instead of a promise: the publish pipeline's hot
   * path uses it when present (no promise allocation per message). `done` is called exactly once, with an
   * error or with the ack.
   */
  publishCallback?(
    topic: string,
    payload: Uint8Array,
    options: OutgoingPublishOptions,
    done: (error: unknown, ack: PublishAck | undefined) => void,
  ): void;
}
