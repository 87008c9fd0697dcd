/**
 * `injectMqttConnector()`: the connector for a name or token, with a clear error when none is provided.
 *
 * @packageDocumentation
 */
import { inject } from '@angular/core';
import { InvalidArgumentError } from '../connector/errors.js';
import type { MqttConnector } from '../connector/mqtt-connector.js';
import { type MqttConnectorRef, describeRef, tokenFor } from './tokens.js';

/**
 * Injects a connector provided with `provideMqttConnector()`: the default one, the one named `ref`, or the
 * one under the token `ref`. Call it where `inject()` works (a constructor, a field initializer, a factory).
 *
 * @param ref - omitted for the default connector (`MQTT_CONNECTOR`), a name, or your own token.
 * @returns the connector (the same instance for the whole injector).
 * @throws InvalidArgumentError when no such connector is provided (the message says which and how to
 *   provide it); Angular's own error when called outside an injection context.
 *
 * @example
 * ```ts
 * export class DashboardComponent {
 *   private readonly telemetry = injectMqttConnector('telemetry');
 *   readonly state = toSignal(this.telemetry.state$);
 * }
 * ```
 */
export function injectMqttConnector(ref?: MqttConnectorRef): MqttConnector {
  const connector = inject(tokenFor(ref), { optional: true });
  if (!connector) {
    const how =
      typeof ref === 'string'
        ? `provideMqttConnector(options, { name: ${JSON.stringify(ref)} })`
        : ref
          ? 'provideMqttConnector(options, { token })'
          : 'provideMqttConnector(options)';
    throw new InvalidArgumentError(
      `No MqttConnector is provided for ${describeRef(ref)}: add ${how} to the application's providers`,
    );
  }
  return connector;
}
