// A bare aedes broker in its own process (so the broker does not share the client's JS thread), on an
// ephemeral loopback port. Prints {"port":N} on stdout; exits on SIGTERM. Used by micro-bench.ts only.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const tcp = createServer(broker.handle);
await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
process.stdout.write(JSON.stringify({ port: tcp.address().port }) + '\n');
process.on('SIGTERM', () => broker.close(() => tcp.close(() => process.exit(0))));
