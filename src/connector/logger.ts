import { setOwnProperty } from '../streams/own-property.js';
import { redactUrl } from './broker-url.js';
import { MqttConnectorError } from './errors.js';
import type { LogCallback, LogEntry, LogLevel } from './types.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass|secret|token|auth|credential|cookie|private|^key$/i;
/** What a secret is replaced with in anything logged. @internal */
export const REDACTED = '[redacted]';

/** True when a field named `key` holds a secret (a password, token, key, authentication data, ...). @internal */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** True when `level` is one of the known {@link LogLevel}s. */
export function isLogLevel(level: unknown): level is LogLevel {
  return typeof level === 'string' && level in LEVEL_RANK;
}

/**
 * Hands log entries to the user's callback, filtered by level, with secrets removed: context keys that
 * name secrets are replaced, URLs lose their `user:password@`, and every registered secret value
 * (passwords and tokens the connector has seen) is masked wherever it appears. A throwing callback is
 * ignored: logging never breaks the connector.
 *
 * @internal
 */
export class Logger {
  private callback: LogCallback | undefined;
  private readonly secrets = new Set<string>();

  constructor(
    private readonly minimumLevel: LogLevel,
    callback: LogCallback | undefined,
    private readonly now: () => number,
  ) {
    this.callback = callback;
  }

  setCallback(callback: LogCallback | undefined): void {
    this.callback = callback;
  }

  /** Remembers a secret value (e.g. a password from a provider) so it is masked in every later entry. */
  addSecret(secret: string | Uint8Array | undefined): void {
    if (typeof secret === 'string' && secret.length >= 3) this.secrets.add(secret);
    else if (secret instanceof Uint8Array && secret.length >= 3)
      this.secrets.add(new TextDecoder().decode(secret));
  }

  enabled(level: LogLevel): boolean {
    return this.callback !== undefined && LEVEL_RANK[level] >= LEVEL_RANK[this.minimumLevel];
  }

  log(level: LogLevel, message: string, context: Record<string, unknown> = {}): void {
    const callback = this.callback;
    if (!callback || !this.enabled(level)) return;
    const entry: LogEntry = {
      level,
      message: this.redactText(message),
      context: this.redactRecord(context, 0),
      time: this.now(),
    };
    try {
      callback(entry);
    } catch {
      // A faulty log callback must not take the connection down with it.
    }
  }

  private redactText(text: string): string {
    let result = redactUrl(text);
    for (const secret of this.secrets) result = result.split(secret).join(REDACTED);
    return result;
  }

  private redactRecord(record: Record<string, unknown>, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      setOwnProperty(
        out,
        key,
        isSecretKey(key) && value !== undefined ? REDACTED : this.redactValue(value, depth + 1),
      );
    }
    return out;
  }

  private redactValue(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value instanceof Error) return this.describeError(value);
    if (value instanceof Uint8Array) return `<${value.length} bytes>`;
    if (depth > 4 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    return this.redactRecord(value as Record<string, unknown>, depth);
  }

  private describeError(error: Error): Record<string, unknown> {
    const code = error instanceof MqttConnectorError ? error.code : (error as { code?: unknown }).code;
    return { name: error.name, code, message: this.redactText(error.message) };
  }
}
