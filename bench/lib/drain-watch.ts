/**
 * Samples how many 'drain' listeners the client sockets to one broker port carry (MQTT.js adds one per
 * QoS 0 publish that finds the socket buffer full: research/baseline.md F1). Works for raw clients and
 * the connector alike, since it finds the sockets through Node's active handles, not through the client.
 */
import type { Socket } from 'node:net';

interface ProcessWithHandles {
  _getActiveHandles?: () => unknown[];
}

function socketsTo(port: number): Socket[] {
  const handles = (process as unknown as ProcessWithHandles)._getActiveHandles?.() ?? [];
  return handles.filter(
    (handle): handle is Socket =>
      typeof handle === 'object' &&
      handle !== null &&
      (handle as Socket).remotePort === port &&
      typeof (handle as Socket).listenerCount === 'function',
  );
}

/** Starts sampling every `everyMs`; `stop()` returns the largest count seen on one socket. */
export function watchDrainListeners(port: number, everyMs = 2): { stop(): number } {
  let max = 0;
  const sample = () => {
    for (const socket of socketsTo(port)) max = Math.max(max, socket.listenerCount('drain'));
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}
