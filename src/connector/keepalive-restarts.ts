/**
 * MQTT.js's keepalive timer restarted at most once per {@link RESTART_SPACING_MS} while acknowledgements
 * stream in, not once per acknowledgement.
 *
 * MQTT.js restarts its keepalive timer on every PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK and AUTH
 * it receives (the broker was just heard from, so no PINGREQ is due yet): a `clearInterval`, a new
 * `setInterval` and its closure each time, in browsers two messages to a timer worker. At QoS 1 that is a
 * timer per message: about 1 µs of CPU (4–5% of the client's CPU per message) and 500 B of garbage per
 * publish on an EPYC host (bench/ANALYSIS.md).
 *
 * Skipping the restarts that come within {@link RESTART_SPACING_MS} of the last one changes what the
 * keepalive does by at most that much: MQTT.js sends its PINGREQ a `keepalive` after the last restart, so
 * it may come up to 100 ms before a `keepalive` has passed since the broker was last heard from (a client
 * may send one at any time), and while acknowledgements keep coming the timer is restarted at least every
 * 100 ms, so it never reaches the keepalive timeout (1.5 × `keepalive`, at least 1.5 s). A forced restart
 * (MQTT.js's answer to a PINGRESP) still happens every time; with MQTT.js's `reschedulePings: false`
 * (through the `mqtt` option) acknowledgements restart nothing, as in MQTT.js.
 *
 * @internal
 */
import type { MqttClient } from 'mqtt';

/** The least time between two restarts that acknowledgements cause, in milliseconds. */
export const RESTART_SPACING_MS = 100;

/**
 * Makes `client`'s unforced `reschedulePing()` (what MQTT.js calls per acknowledgement) restart the
 * keepalive timer only when the last restart is at least {@link RESTART_SPACING_MS} old by `now` (a clock
 * in milliseconds; the wall clock by default).
 */
export function spaceKeepaliveRestarts(client: MqttClient, now: () => number = Date.now): void {
  // An MQTT.js without it (another version than the one the connector pins) keeps its own behaviour.
  if (typeof client.reschedulePing !== 'function') return;
  const restart = client.reschedulePing.bind(client);
  let restartedAt = Number.NEGATIVE_INFINITY;
  client.reschedulePing = (force = false): void => {
    if (!force && !client.options.reschedulePings) return;
    const time = now();
    if (!force && time - restartedAt < RESTART_SPACING_MS) return;
    restartedAt = time;
    // Forced: the check of `reschedulePings` above is MQTT.js's own, made already.
    restart(true);
  };
}
