/**
 * The soak (not part of CI): `pnpm --filter @sanshare/provider soak --handoffs 100000`.
 *
 * One TCP connection to a loopback peer moves back and forth between this process and a second one
 * (soak-child.ts), `--handoffs` times in all, while bytes stream both ways: the peer sends counters
 * down as fast as the connection takes them, and each holder reads a varying amount and sends a
 * varying number of counters up before handing the socket on (WSPDuplicateSocketWithMessage, the
 * stream state in the message). It prints progress lines, and descriptor counts and RSS of both
 * processes at the start, the middle and the end; then the bytes lost or repeated in each direction
 * and the hand-offs per second. Exit code 1 when a byte was lost or repeated or a descriptor leaked.
 *
 * Runs the built package (`dist/`): build it first (`pnpm --filter @sanshare/provider build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Socket, WspExtensions } from '@sanshare/protocol-info';
import { WSPStartup } from './provider-under-soak.js';
import { soakCatalogEntry, soakUpcalls } from './soak-provider.js';
import { checkCounters, lcg, pump, START, type StreamState } from './soak-stream.js';

const CHILD = fileURLToPath(new URL('./soak-child.ts', import.meta.url));
const USAGE = 'usage: pnpm --filter @sanshare/provider soak [--handoffs N] (N >= 2, default 100000)';

/** `--handoffs N`, or exits with a message whose first line says what is wrong and what to do. */
function handoffsFromArgs(): number {
  let values: { handoffs?: string };
  try {
    // pnpm passes a `--` through before the script's own arguments: not an argument of ours.
    ({ values } = parseArgs({ args: process.argv.slice(2).filter((arg) => arg !== '--'), options: { handoffs: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    console.error(`soak: ${argumentProblem(error)}; ${USAGE}`);
    process.exit(2);
  }
  const handoffs = Number(values.handoffs ?? 100_000);
  if (!Number.isInteger(handoffs) || handoffs < 2) {
    console.error(`soak: --handoffs must be an integer of at least 2, got ${String(values.handoffs)}; ${USAGE}`);
    process.exit(2);
  }
  return handoffs;
}

/** What is wrong with the command line, in our words (parseArgs's own text talks about positionals). */
function argumentProblem(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = String(message);
  const option = /'(-[^' ]*)/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? text}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${option ?? text} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(text)?.[1] ?? text}`;
  return text.split('\n')[0] ?? text;
}

/** The loopback peer: counters down without end, counters up checked (lost and repeated bytes counted). */
async function startPeer(): Promise<{ port: number; up: { next: number; lostBytes: number; repeatedBytes: number; bytes: number }; close: () => void }> {
  const up = { next: 0, lostBytes: 0, repeatedBytes: 0, bytes: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let partial = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      up.bytes += chunk.length;
      partial = Buffer.from(checkCounters(partial.length > 0 ? Buffer.concat([partial, chunk]) : chunk, up));
    });
    let next = 0;
    const block = 4096;
    const stream = (): void => {
      while (!socket.destroyed && socket.writable) {
        const out = Buffer.allocUnsafe(block * 4);
        for (let i = 0; i < block; i++) out.writeUInt32BE((next + i) >>> 0, i * 4);
        next += block;
        if (!socket.write(out)) {
          socket.once('drain', stream);
          return;
        }
      }
    };
    stream();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    up,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** Descriptors and RSS of process `pid`, from /proc. */
function usage(pid: number): { fds: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return { fds: readdirSync(`/proc/${pid}/fd`).length, rssMiB: rssKiB / 1024 };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const handoffs = handoffsFromArgs();
  const runtimeDir = mkdtempSync(join(tmpdir(), 'sanshare-soak-'));
  const peer = await startPeer();
  let child: ChildProcess | undefined;
  const { procTable: p, extensions } = await WSPStartup(0x0202, soakCatalogEntry(), soakUpcalls(), { runtimeDir });
  const x = extensions as Required<WspExtensions>;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, runtimeDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    // The second process dying ends every wait on it. A signal, not a Promise.race per hand-off: each
    // race would leave a reaction on the never-settling "exited" promise, a leak of its own.
    const gone = new AbortController();
    child.once('exit', (code, signal) => gone.abort(new Error(`the second process exited (${String(signal ?? code)})`)));
    const [line] = (await once(createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }), 'line', { signal: gone.signal })) as [string];
    const childPid = (JSON.parse(line) as { ready: number }).ready;
    console.log(`soak: ${handoffs} hand-offs of one connection (127.0.0.1:${peer.port}) between process ${process.pid} (A) and ${childPid} (B), streaming both ways`);

    const random = lcg(0x50a4);
    let s: Socket = await p.WSPSocket(2, 1, 6, null, 0, 0);
    await p.WSPConnect(s, { address: '127.0.0.1', port: peer.port });
    let state: StreamState = START;
    /** One round trip: A uses the socket, hands it to B, which uses it and hands it back. */
    const roundTrip = async (): Promise<void> => {
      state = await pump(p, s, state, 1 + Math.floor(random() * 24_000), Math.floor(random() * 400));
      // Into a process that died, this fails by itself (its channel and endpoint are gone).
      await x.WSPDuplicateSocketWithMessage(s, childPid, Buffer.from(JSON.stringify(state)));
      await p.WSPCloseSocket(s);
      const back = await x.WSPReceiveDuplicate({ timeoutMs: 30_000, signal: gone.signal });
      s = await p.WSPSocket(-1, -1, -1, back.protocolInfo, 0, 0);
      state = JSON.parse(Buffer.from(back.message).toString()) as StreamState;
    };

    const rounds = Math.ceil(handoffs / 2);
    // One round first: both processes have their channels open, the baseline of every count.
    await roundTrip();
    const snapshot = (label: string, done: number): { a: ReturnType<typeof usage>; b: ReturnType<typeof usage> } => {
      const a = usage(process.pid);
      const b = usage(childPid);
      console.log(`${label.padEnd(6)} hand-offs ${String(done).padStart(7)}  descriptors A ${a.fds} B ${b.fds}  RSS A ${a.rssMiB.toFixed(1)} MiB B ${b.rssMiB.toFixed(1)} MiB`);
      return { a, b };
    };
    const start = snapshot('start', 2);
    const began = process.hrtime.bigint();
    let lastReport = began;
    let middle = start;
    for (let round = 1; round < rounds; round++) {
      await roundTrip();
      const done = (round + 1) * 2;
      if (round === Math.floor(rounds / 2)) middle = snapshot('middle', done);
      const now = process.hrtime.bigint();
      if (now - lastReport > 2_000_000_000n) {
        lastReport = now;
        const rate = ((done - 2) / (Number(now - began) / 1e9)).toFixed(0);
        console.log(`progress ${done}/${rounds * 2} hand-offs, ${rate}/s; down ${mib(state.downBytes)} read, up ${mib(peer.up.bytes)} received`);
      }
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    // Everything sent up has reached the peer before it is counted.
    const sentUp = state.upNext * 4;
    for (let i = 0; i < 500 && peer.up.bytes < sentUp; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const end = snapshot('end', rounds * 2);
    await p.WSPCloseSocket(s);

    const down = { lost: state.lostBytes, repeated: state.repeatedBytes };
    const up = { lost: peer.up.lostBytes + Math.max(0, sentUp - peer.up.bytes), repeated: peer.up.repeatedBytes + Math.max(0, peer.up.bytes - sentUp) };
    const leaked = end.a.fds > start.a.fds || end.b.fds > start.b.fds;
    console.log(
      `result: ${rounds * 2} hand-offs in ${seconds.toFixed(1)} s, ${((rounds * 2 - 2) / seconds).toFixed(0)} hand-offs/s; ` +
        `down ${mib(state.downBytes)}: lost ${down.lost} bytes, repeated ${down.repeated}; up ${mib(sentUp)}: lost ${up.lost} bytes, repeated ${up.repeated}; ` +
        `descriptors A ${start.a.fds} -> ${middle.a.fds} -> ${end.a.fds}, B ${start.b.fds} -> ${middle.b.fds} -> ${end.b.fds}; ` +
        `RSS A ${start.a.rssMiB.toFixed(1)} -> ${middle.a.rssMiB.toFixed(1)} -> ${end.a.rssMiB.toFixed(1)} MiB, B ${start.b.rssMiB.toFixed(1)} -> ${middle.b.rssMiB.toFixed(1)} -> ${end.b.rssMiB.toFixed(1)} MiB`,
    );
    const ok = down.lost === 0 && down.repeated === 0 && up.lost === 0 && up.repeated === 0 && !leaked;
    console.log(ok ? 'ok: no byte lost or repeated, no descriptor leaked' : 'FAILED: bytes lost or repeated, or descriptors leaked (see above)');
    return ok ? 0 : 1;
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit');
      child.stdin?.end();
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    await p.WSPCleanup();
    peer.close();
    rmSync(runtimeDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
