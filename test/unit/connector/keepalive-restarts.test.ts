/**
 * The keepalive restarts acknowledgements cause, spaced (src/connector/keepalive-restarts.ts): against a
 * stand-in for MQTT.js's client whose `reschedulePing` records how it was called, on a clock the test
 * moves by hand.
 */
import type { MqttClient } from 'mqtt';
import { RESTART_SPACING_MS, spaceKeepaliveRestarts } from '../../../src/connector/keepalive-restarts.js';

/** A client whose original `reschedulePing` records its `force` argument, wrapped, on a manual clock. */
function spacedClient(reschedulePings: boolean) {
  const restarts: boolean[] = [];
  let time = 1_000;
  const client = {
    options: { reschedulePings },
    reschedulePing(force = false) {
      restarts.push(force);
    },
  };
  spaceKeepaliveRestarts(client as unknown as MqttClient, () => time);
  return {
    restarts,
    /** What MQTT.js calls for an acknowledgement (unforced) or a PINGRESP (forced). */
    heard: (force?: boolean) => client.reschedulePing(force),
    advance: (ms: number) => {
      time += ms;
    },
  };
}

describe('spaceKeepaliveRestarts', () => {
  it('restarts at the first acknowledgement, then once the last restart is RESTART_SPACING_MS old', () => {
    const client = spacedClient(true);
    client.heard();
    expect(client.restarts).toEqual([true]);
    for (let i = 0; i < 9; i++) {
      client.advance(RESTART_SPACING_MS / 10);
      client.heard();
    }
    // 90 ms after the restart: still within the spacing.
    expect(client.restarts).toHaveLength(1);
    client.advance(RESTART_SPACING_MS / 10);
    client.heard();
    expect(client.restarts).toEqual([true, true]);
  });

  it('keeps restarting at least every RESTART_SPACING_MS while acknowledgements keep coming', () => {
    const client = spacedClient(true);
    // One acknowledgement per millisecond for a second.
    for (let i = 0; i < 1_000; i++) {
      client.heard();
      client.advance(1);
    }
    expect(client.restarts).toHaveLength(1_000 / RESTART_SPACING_MS);
  });

  it('restarts at every forced call (a PINGRESP), which also starts the spacing anew', () => {
    const client = spacedClient(true);
    client.heard();
    client.advance(10);
    client.heard(true);
    client.heard(true);
    expect(client.restarts).toEqual([true, true, true]);
    client.advance(RESTART_SPACING_MS - 1);
    client.heard();
    expect(client.restarts).toHaveLength(3);
    client.advance(1);
    client.heard();
    expect(client.restarts).toHaveLength(4);
  });

  it("restarts only when forced under MQTT.js's reschedulePings: false, as MQTT.js does", () => {
    const client = spacedClient(false);
    client.heard();
    client.advance(RESTART_SPACING_MS * 5);
    client.heard();
    expect(client.restarts).toEqual([]);
    client.heard(true);
    expect(client.restarts).toEqual([true]);
  });

  it('leaves a client without reschedulePing (another MQTT.js) as it is', () => {
    const client = { options: { reschedulePings: true } };
    expect(() => spaceKeepaliveRestarts(client as unknown as MqttClient)).not.toThrow();
    expect(client).toEqual({ options: { reschedulePings: true } });
  });
});
