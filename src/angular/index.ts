/**
 * mqtt-connector/angular: connectors as Angular environment providers for standalone applications.
 * Needs `@angular/core` (an optional peer dependency of mqtt-connector; only this entry point uses it).
 *
 * @example
 * ```ts
 * import { bootstrapApplication } from '@angular/platform-browser';
 * import { provideMqttConnector } from 'mqtt-connector/angular';
 *
 * bootstrapApplication(AppComponent, {
 *   providers: [provideMqttConnector({ mqttBroker: 'wss://broker.example.com:8084/mqtt' })],
 * });
 * ```
 *
 * @packageDocumentation
 */
export {
  provideMqttConnector,
  type MqttConnectorFactory,
  type ProvideMqttConnectorConfig,
} from './provide-mqtt-connector.js';
export { injectMqttConnector } from './inject-mqtt-connector.js';
export { MQTT_CONNECTOR, mqttConnectorToken, type MqttConnectorRef } from './tokens.js';
