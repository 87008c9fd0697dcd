import { InvalidOptionsError } from './errors.js';

/** One broker endpoint, parsed from `mqttBroker` / `mqttPort`. */
export interface BrokerEndpoint {
  /** `mqtt`, `mqtts`, `ws` or `wss`. */
  readonly protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  /** WebSocket path (e.g. `/mqtt`), undefined for TCP. */
  readonly path: string | undefined;
  /** The URL without credentials: safe to log and to show in `state$`. */
  readonly url: string;
  /** Credentials that were embedded in the URL (`mqtt://user:pass@host`), removed from `url`. */
  readonly username: string | undefined;
  readonly password: string | undefined;
}

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
const PROTOCOL_ALIASES: Record<string, BrokerEndpoint['protocol']> = {
  mqtt: 'mqtt',
  tcp: 'mqtt',
  mqtts: 'mqtts',
  ssl: 'mqtts',
  tls: 'mqtts',
  ws: 'ws',
  wss: 'wss',
};

/**
 * Turns `mqttBroker` (a host name, a URL, or a list of them) and `mqttPort` into endpoints.
 * A URL's own port wins over `mqttPort`; `mqttPort` wins over the protocol's default port.
 *
 * @throws InvalidOptionsError for an empty list, an unknown protocol, or a malformed URL or port.
 */
export function parseBrokers(
  mqttBroker: string | readonly string[],
  mqttPort: number | undefined,
): BrokerEndpoint[] {
  const list = typeof mqttBroker === 'string' ? [mqttBroker] : mqttBroker;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidOptionsError('mqttBroker must be a host name, a URL, or a non-empty list of them');
  }
  return list.map((entry) => parseBroker(entry, mqttPort));
}

function parseBroker(entry: unknown, mqttPort: number | undefined): BrokerEndpoint {
  if (typeof entry !== 'string' || entry.trim() === '') {
    throw new InvalidOptionsError(`mqttBroker entries must be non-empty strings, got ${typeof entry}`);
  }
  const text = entry.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let parsed: URL;
  try {
    parsed = new URL(hasScheme ? text : `mqtt://${text}`);
  } catch {
    throw new InvalidOptionsError(
      `mqttBroker ${JSON.stringify(redactUrl(text))} is not a valid host name or URL`,
    );
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  const protocol = PROTOCOL_ALIASES[scheme];
  if (!protocol) {
    throw new InvalidOptionsError(
      `mqttBroker protocol ${JSON.stringify(scheme)} is not supported: use mqtt://, mqtts://, ws:// or wss://`,
    );
  }
  if (!parsed.hostname)
    throw new InvalidOptionsError(`mqttBroker ${JSON.stringify(redactUrl(text))} has no host`);
  const port = parsed.port ? Number(parsed.port) : (mqttPort ?? DEFAULT_PORTS[protocol]);
  const isWebSocket = protocol === 'ws' || protocol === 'wss';
  const path = isWebSocket ? `${parsed.pathname || '/'}${parsed.search}` : undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals without brackets for the socket
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    protocol,
    host,
    port,
    path,
    url: `${protocol}://${hostInUrl}:${port}${isWebSocket ? path : ''}`,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

/** Removes `user:password@` from anything that looks like a URL, for logs and errors. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}
