/**
 * The broker matrix: every broker set-up the behavioural suite runs against, what each one supports,
 * and how to start it on ephemeral loopback ports. A target that cannot do something says so in
 * `unsupported` (the suite turns each entry into a test of what the broker does instead).
 */
import type { MqttConnectorOptions, QoS } from '../../../src/index';
import { startAedes } from '../../support/aedes';
import {
  MOSQUITTO_NO_QUEUE_LIMITS,
  startMosquitto,
  type MosquittoBroker,
  type MosquittoOptions,
} from '../../support/mosquitto';
import { startNats } from '../../support/nats';

/** Which broker software. */
export type BrokerKind = 'aedes' | 'mosquitto' | 'nats';

/** Connector options a broker refuses, and the CONNACK code it answers with. */
export interface RefusedLogin {
  /** What is wrong, for the test name ("a wrong password"). */
  readonly what: string;
  readonly options: MqttConnectorOptions;
  /** The CONNACK return / reason code. */
  readonly code: number;
  /** What the connector's error message says (from the broker's refusal). */
  readonly message: RegExp;
}

/** A TLS handshake that fails: the connector trusts only what `trustCa` says, presents no certificate. */
export interface FailedHandshake {
  /** What is missing, for the test name ("without the test CA"). */
  readonly what: string;
  /** Whether the connector trusts the test CA (true: the client certificate is what is missing). */
  readonly trustCa: boolean;
  /** What the failure's message says (e.g. the certificate problem). */
  readonly message: RegExp;
}

/** Something a broker cannot do: `title` names it in the test ("QoS 2 — not supported by NATS"). */
export interface Limitation {
  /** `qos2`: QoS 2 is downgraded; `mqtt5`: an MQTT 5 CONNECT is refused. */
  readonly kind: 'qos2' | 'mqtt5';
  readonly title: string;
}

/** A started target. */
export interface RunningTarget {
  /** The URL connectors use. */
  readonly url: string;
  /** Options for a connector that this broker accepts, with `overrides` on top. */
  options(overrides?: MqttConnectorOptions): MqttConnectorOptions;
  /** The test CA (PEM) of TLS targets. */
  readonly ca?: string;
  /** Stops the broker (its clients see the connection drop). */
  stop(): Promise<void>;
  /** Starts it again on the same ports (no stored sessions). */
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  /** Stops it for good and frees everything. */
  close(): Promise<void>;
}

/** One row of the matrix. */
export interface BrokerTarget {
  /** Shown as the describe title, e.g. "mosquitto · MQTT 5 · TLS". */
  readonly name: string;
  readonly broker: BrokerKind;
  readonly protocolVersion: 4 | 5;
  /** How connectors reach it. */
  readonly transport: 'tcp' | 'tls' | 'mutual TLS' | 'websockets';
  /** QoS levels it delivers end to end. */
  readonly qos: readonly QoS[];
  /** Whether it checks credentials (a password file, a users table). */
  readonly auth: boolean;
  /** Logins the broker refuses (targets that check credentials; empty otherwise). */
  readonly refused: readonly RefusedLogin[];
  /** A TLS handshake that fails (TLS targets). */
  readonly failedHandshake?: FailedHandshake;
  /** What the broker cannot do; the suite tests what it does instead. */
  readonly unsupported: readonly Limitation[];
  start(): Promise<RunningTarget>;
}

const ALL_QOS: readonly QoS[] = [0, 1, 2];
const USERS = { alice: 'secret' } as const;
const versionName = (v: 4 | 5) => (v === 5 ? 'MQTT 5' : 'MQTT 3.1.1');

function fromMosquitto(broker: MosquittoBroker, url: string, base: MqttConnectorOptions): RunningTarget {
  return {
    url,
    options: (overrides = {}) => ({ mqttBroker: url, ...base, ...overrides }),
    ...(broker.tls ? { ca: broker.tls.ca } : {}),
    stop: () => broker.stop(),
    start: () => broker.start(),
    restart: () => broker.restart(),
    close: () => broker.close(),
  };
}

type Listener = 'plain' | 'password' | 'tls' | 'mutualTls' | 'websockets';

const LISTENER_OPTIONS: Record<Listener, MosquittoOptions> = {
  plain: {},
  password: { plain: false, users: USERS },
  tls: { plain: false, tls: true },
  mutualTls: { plain: false, mutualTls: true },
  websockets: { plain: false, websockets: true },
};

/** Every matrix Mosquitto: no queue limits, so that the broker itself never drops what a test counts. */
const mosquittoOptions = (listener: Listener): MosquittoOptions => ({
  ...LISTENER_OPTIONS[listener],
  config: MOSQUITTO_NO_QUEUE_LIMITS,
});

const TRANSPORT: Record<Listener, BrokerTarget['transport']> = {
  plain: 'tcp',
  password: 'tcp',
  tls: 'tls',
  mutualTls: 'mutual TLS',
  websockets: 'websockets',
};

const LABEL: Record<Listener, string> = {
  plain: 'tcp',
  password: 'password file',
  tls: 'TLS (test CA)',
  mutualTls: 'mutual TLS',
  websockets: 'WebSockets',
};

const NOT_AUTHORIZED = /not authori[sz]ed/i;
const BAD_CREDENTIALS = /bad user ?name or password/i;

/** A wrong password and no credentials at all, each refused with `code`. */
function refusedLogins(code: number, message: RegExp): RefusedLogin[] {
  return [
    { what: 'a wrong password', options: { username: 'alice', password: 'wrong' }, code, message },
    { what: 'no credentials', options: { username: undefined, password: undefined }, code, message },
  ];
}

/** Credentials the brokers accept, the password from a provider (as an app that fetches its secret). */
const GOOD_LOGIN: MqttConnectorOptions = { username: 'alice', password: async () => USERS.alice };

const REFUSED_CODE = { 4: 5, 5: 0x87 } as const; // mosquitto 2 answers "not authorized" to bad and missing logins

const HANDSHAKES: Partial<Record<Listener, FailedHandshake>> = {
  tls: { what: 'without the test CA', trustCa: false, message: /self-signed certificate/i },
  mutualTls: {
    what: 'without a client certificate',
    trustCa: true,
    message: /certificate required|closed before the broker accepted/i,
  },
};

function connectorBase(
  listener: Listener,
  protocolVersion: 4 | 5,
  broker: MosquittoBroker,
): MqttConnectorOptions {
  switch (listener) {
    case 'password':
      return { protocolVersion, ...GOOD_LOGIN };
    case 'tls':
      return { protocolVersion, tls: { ca: broker.tls?.ca } };
    case 'mutualTls':
      return { protocolVersion, tls: { ...broker.tls } };
    default:
      return { protocolVersion };
  }
}

/** Mosquitto with one kind of listener, spoken to with `protocolVersion`. */
export function mosquittoTarget(listener: Listener, protocolVersion: 4 | 5): BrokerTarget {
  const code = REFUSED_CODE[protocolVersion];
  const handshake = HANDSHAKES[listener];
  return {
    name: `mosquitto · ${versionName(protocolVersion)} · ${LABEL[listener]}`,
    broker: 'mosquitto',
    protocolVersion,
    transport: TRANSPORT[listener],
    qos: ALL_QOS,
    auth: listener === 'password',
    refused: listener === 'password' ? refusedLogins(code, NOT_AUTHORIZED) : [],
    ...(handshake ? { failedHandshake: handshake } : {}),
    unsupported: [],
    async start() {
      const broker = await startMosquitto(mosquittoOptions(listener));
      return fromMosquitto(
        broker,
        broker.urls[listener] as string,
        connectorBase(listener, protocolVersion, broker),
      );
    },
  };
}

/**
 * The embedded aedes broker (MQTT 3.1.1 only); with `auth`, its `users` table (an `authenticate` hook,
 * src/testing) accepts only alice and refuses anything else with return code 4.
 */
export function aedesTarget(auth: boolean): BrokerTarget {
  return {
    name: `aedes (embedded) · MQTT 3.1.1 · ${auth ? 'users table' : 'tcp'}`,
    broker: 'aedes',
    protocolVersion: 4,
    transport: 'tcp',
    qos: ALL_QOS,
    auth,
    refused: auth ? refusedLogins(4, BAD_CREDENTIALS) : [],
    unsupported: [{ kind: 'mqtt5', title: 'MQTT 5 — not supported by aedes' }],
    async start() {
      const broker = await startAedes(auth ? { users: USERS } : {});
      const base: MqttConnectorOptions = { protocolVersion: 4, ...(auth ? GOOD_LOGIN : {}) };
      return {
        url: broker.url,
        options: (overrides = {}) => ({ mqttBroker: broker.url, ...base, ...overrides }),
        stop: () => broker.close(),
        // restart() on a closed aedes starts a fresh broker on the same ports, with the same options.
        start: () => broker.restart(),
        restart: () => broker.restart(),
        close: () => broker.close(),
      };
    },
  };
}

/** nats-server's `authorization` block for {@link USERS}. */
const natsUsers = () =>
  `authorization { users: [ ${Object.entries(USERS)
    .map(([user, password]) => `{ user: "${user}", password: "${password}" }`)
    .join(', ')} ] }`;

/**
 * nats-server's MQTT listener (MQTT 3.1.1, QoS 0 and 1; JetStream on); with `auth`, an `authorization`
 * block with users, which the MQTT listener enforces too (a refusal is return code 5, not authorized).
 */
export function natsTarget(auth: boolean): BrokerTarget {
  return {
    name: `nats-server · MQTT 3.1.1 · ${auth ? 'authorization users' : 'tcp'}`,
    broker: 'nats',
    protocolVersion: 4,
    transport: 'tcp',
    qos: [0, 1],
    auth,
    refused: auth ? refusedLogins(5, NOT_AUTHORIZED) : [],
    unsupported: [
      { kind: 'qos2', title: 'QoS 2 — not supported by NATS' },
      { kind: 'mqtt5', title: 'MQTT 5 — not supported by NATS' },
    ],
    async start() {
      const server = await startNats(auth ? { config: [natsUsers()] } : {});
      const base: MqttConnectorOptions = { protocolVersion: 4, ...(auth ? GOOD_LOGIN : {}) };
      return {
        url: server.url,
        options: (overrides = {}) => ({ mqttBroker: server.url, ...base, ...overrides }),
        stop: () => server.stop(),
        start: () => server.start(),
        restart: () => server.restart(),
        close: () => server.close(),
      };
    },
  };
}

/** Every target of the behavioural suite, in run order. */
export const TARGETS: readonly BrokerTarget[] = [
  aedesTarget(false),
  aedesTarget(true),
  mosquittoTarget('plain', 4),
  mosquittoTarget('plain', 5),
  mosquittoTarget('password', 4),
  mosquittoTarget('password', 5),
  mosquittoTarget('tls', 5),
  mosquittoTarget('mutualTls', 4),
  mosquittoTarget('websockets', 5),
  mosquittoTarget('websockets', 4),
  natsTarget(false),
  natsTarget(true),
];
