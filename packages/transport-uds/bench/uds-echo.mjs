// Bench peer B for this transport: connects to A and sends every message straight back, with the
// descriptors it carried (then closes its own copies).
import { closeFd, connect } from '../dist/index.js';

const [path] = process.argv.slice(2);
const conn = await connect(path);
for await (const message of conn) {
  await conn.send(message.data, message.fds);
  for (const fd of message.fds) closeFd(fd);
}
