// Bench peer for batches: connects to A (up to 253 descriptors a message), closes every descriptor
// it receives, and answers each message without descriptors (A's end of a run) once all before it
// were received and closed.
import { closeFd, connect } from '../dist/index.js';

const [path] = process.argv.slice(2);
const conn = await connect(path, { maxFdsPerMessage: 253 });
const done = new TextEncoder().encode('done');
for await (const message of conn) {
  if (message.fds.length === 0) await conn.send(done);
  for (const fd of message.fds) closeFd(fd);
}
