// aedes 1.2 in its own process (so the broker does not share the bench's JS thread), on 127.0.0.1.
// Flags: --port=N (0 = ephemeral), --nodelay (TCP_NODELAY on accepted sockets), --maxInflightInbound=N
// (0 = no limit; aedes' default is 1000), --standby (load everything, print "standby", and bind only when
// a line arrives on stdin: a restart then costs milliseconds, not a Node start-up).
// Prints {"port":N} once listening; SIGTERM closes it.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { Aedes } from 'aedes';

const flags = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const options = {};
if (flags.maxInflightInbound !== undefined) options.maxInflightInbound = Number(flags.maxInflightInbound);
const broker = await Aedes.createBroker(options);
const server = createServer((socket) => {
  if (flags.nodelay === 'true') socket.setNoDelay(true);
  broker.handle(socket);
});
if (flags.standby === 'true') {
  process.stdout.write('standby\n');
  const lines = createInterface({ input: process.stdin });
  await once(lines, 'line');
  lines.close();
}
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(flags.port ?? 0), '127.0.0.1', resolve);
});
process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
process.on('SIGTERM', () => broker.close(() => server.close(() => process.exit(0))));
