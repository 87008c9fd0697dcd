/**
 * MQTT 5 Topic Aliases on incoming messages. When a client allows them (Topic Alias Maximum in its CONNECT,
 * here through the `mqtt` escape hatch), a broker may send a PUBLISH with an empty topic name and an alias
 * that stands for a topic it sent before. MQTT.js resolves the alias; the connector must route by the
 * resolved topic, not the packet's empty one. Mosquitto 2.0 never sends a client an alias, so a scripted
 * MQTT 5 peer plays the broker.
 */
import { firstValueFrom, takeUntil } from 'rxjs';
import type { Packet } from 'mqtt-packet';
import { MqttConnector, type MqttMessage } from '../../../src/index.js';
import { type RawServer, scriptedServer, type SendPacket } from '../../support/raw-servers.js';

/**
 * Accepts the connection and answers SUBSCRIBEs. After the SUBSCRIBE that holds `filter` it sends `payloads`
 * on `topic` (the first names the topic and sets the alias, the rest carry the alias only), then one
 * message on `end`, by name.
 */
function aliasingBroker(
  filter: string,
  topic: string,
  payloads: readonly string[],
  end: string,
): (packet: Packet, send: SendPacket) => void {
  return (packet, send) => {
    if (packet.cmd === 'connect') send({ cmd: 'connack', sessionPresent: false, reasonCode: 0 });
    if (packet.cmd === 'pingreq') send({ cmd: 'pingresp' });
    if (packet.cmd !== 'subscribe') return;
    send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => 0) });
    if (!packet.subscriptions.some((subscription) => subscription.topic === filter)) return;
    const identifier = packet.properties?.subscriptionIdentifier;
    payloads.forEach((payload, index) => {
      send({
        cmd: 'publish',
        topic: index === 0 ? topic : '', // the first names the topic and sets the alias; the rest use it
        payload,
        qos: 0,
        retain: false,
        dup: false,
        properties: {
          topicAlias: 3,
          ...(identifier === undefined ? {} : { subscriptionIdentifier: identifier }),
        },
      });
    });
    send({ cmd: 'publish', topic: end, payload: 'end', qos: 0, retain: false, dup: false });
  };
}

describe('incoming MQTT 5 Topic Aliases', () => {
  let server: RawServer | undefined;
  let connector: MqttConnector | undefined;

  afterEach(async () => {
    await connector?.disconnect({ flush: false });
    await server?.close();
    connector = undefined;
    server = undefined;
  });

  it('delivers a message sent by alias only on the topic the alias stands for', async () => {
    server = await scriptedServer(
      aliasingBroker('sensors/+/temperature', 'sensors/1/temperature', ['first', 'second', 'third'], 'end'),
    );
    connector = new MqttConnector({
      mqttBroker: server.url,
      protocolVersion: 5,
      mqtt: { properties: { topicAliasMaximum: 5 } },
      logLevel: 'error',
    });
    // The end marker is subscribed first, so it comes after every aliased message; messages arrive in order.
    const ended = firstValueFrom(connector.subscribe('end'));
    const messages: MqttMessage<string>[] = [];
    connector
      .subscribe('sensors/+id/temperature', { decode: 'string' })
      .pipe(takeUntil(ended))
      .subscribe((m) => messages.push(m));
    expect(await connector.connect()).toBe(true);
    await ended;
    expect(messages.map((m) => [m.topic, m.payload, m.params])).toEqual([
      ['sensors/1/temperature', 'first', { id: '1' }],
      ['sensors/1/temperature', 'second', { id: '1' }],
      ['sensors/1/temperature', 'third', { id: '1' }],
    ]);
    expect(messages.map((m) => m.properties?.topicAlias)).toEqual([3, 3, 3]);
  });
});
