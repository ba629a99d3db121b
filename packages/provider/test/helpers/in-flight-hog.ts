/**
 * Puts descriptors "in flight" for its user (sent over a Unix socket and never received) until the
 * kernel refuses more with ETOOMANYREFS: a non-root user whose descriptors in flight exceed the
 * sender's RLIMIT_NOFILE gets it on every sendmsg carrying descriptors, in any of its processes, until
 * some are received or their socket is closed. Prints `{ inFlight }` once refused; closes both ends
 * (the kernel frees what was in flight) and exits when its stdin ends. Run it as the non-root user,
 * under the RLIMIT_NOFILE of the process it should block.
 */
import { openSync } from 'node:fs';
import { fromDescriptor, SCM_MAX_FD, seqpacketPair } from '@sanshare/transport-uds';

const [mine, other] = seqpacketPair();
const sender = fromDescriptor(mine, { maxFdsPerMessage: SCM_MAX_FD });
const file = openSync('/dev/null', 'r');
const fds = new Array<number>(SCM_MAX_FD).fill(file);
let inFlight = 0;
for (;;) {
  try {
    await sender.send(new Uint8Array(1), fds, { timeoutMs: 200 });
    inFlight += fds.length;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'UDS_TOO_MANY_IN_FLIGHT') throw error;
    break;
  }
}
process.stdout.write(`${JSON.stringify({ inFlight, unread: other })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
