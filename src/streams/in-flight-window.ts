/**
 * Flow control towards MQTT.js: how many publishes may be handed over and not yet finished.
 * - QoS 1/2: at most `maxInFlight` unacknowledged (the broker's MQTT 5 Receive Maximum when it states
 *   one), QoS 2 at most `maxQos2`. Firing more makes brokers drop us (aedes disconnects a client with
 *   more than 1,000 inbound QoS 2 awaiting PUBREL) or, on MQTT 3.1.1, drop messages silently (stock
 *   mosquitto beyond 20 QoS 2 in flight): baseline.md F3, F4.
 * - QoS 0: at most `maxWrites` whose write has not finished; each such write costs MQTT.js a `drain`
 *   listener, and thousands of them make every `drain` quadratic (baseline.md F1).
 *
 * @internal
 */
import type { QoS } from '../connector/types.js';

/** Limits of the window. */
export interface WindowLimits {
  /** QoS 1 + QoS 2 unacknowledged. */
  readonly maxInFlight: number;
  /** QoS 2 unacknowledged (≤ maxInFlight). */
  readonly maxQos2: number;
  /** QoS 0 writes not yet finished. */
  readonly maxWrites: number;
}

/** Counts handed-over publishes against {@link WindowLimits}. */
export class InFlightWindow {
  private acks = 0;
  private qos2 = 0;
  private writes = 0;

  constructor(private limits: WindowLimits) {}

  /** Applies new limits (e.g. a new CONNACK's Receive Maximum); counts are kept. */
  configure(limits: WindowLimits): void {
    this.limits = limits;
  }

  /** The limits in force. */
  get current(): WindowLimits {
    return this.limits;
  }

  /** Publishes handed over and not finished: QoS 0 writes plus unacknowledged QoS 1/2. */
  get size(): number {
    return this.acks + this.writes;
  }

  /** True when a publish with this QoS may be handed over now. */
  hasRoom(qos: QoS): boolean {
    if (qos === 0) return this.writes < this.limits.maxWrites;
    return this.acks < this.limits.maxInFlight && (qos === 1 || this.qos2 < this.limits.maxQos2);
  }

  /** Counts a hand-over. */
  acquire(qos: QoS): void {
    if (qos === 0) this.writes++;
    else {
      this.acks++;
      if (qos === 2) this.qos2++;
    }
  }

  /** Counts a finished one (written, acknowledged or failed). */
  release(qos: QoS): void {
    if (qos === 0) this.writes--;
    else {
      this.acks--;
      if (qos === 2) this.qos2--;
    }
  }

  /** Forgets everything in flight (the pipeline closed; late completions are ignored by generation). */
  reset(): void {
    this.acks = 0;
    this.qos2 = 0;
    this.writes = 0;
  }
}
