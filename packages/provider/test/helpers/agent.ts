/**
 * A test agent: one real OS process running one provider instance, driven by the test over
 * stdin/stdout with one JSON command per line (not Node's IPC channel: the processes under test
 * must be unrelated as far as the provider can tell). Usage: node --import tsx agent.ts <optionsJson>
 */
import { openSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ProtocolInfo, SockOptValue, WspExtensions, WspProcTable } from '@sanshare/protocol-info';
import { WSPStartup } from '../../src/index.js';
import { testCatalogEntry } from './catalog.js';
import { createTestUpcalls } from './test-upcalls.js';
import { fromJson, toJson } from './wire-json.js';

interface Command {
  id: number;
  op: string;
  [key: string]: unknown;
}

/** The sequence-stream state one holder passes to the next (see sequence-peer.ts). */
interface PumpState {
  downNext: number;
  partial: Uint8Array;
  upNext: number;
}

const options = fromJson(process.argv[2] ?? '{}') as Record<string, unknown>;
const upcalls = createTestUpcalls();
const fillers: number[] = [];
/** Abort controllers of waiting WSPReceiveDuplicate calls, by the test's key (op `abort`). */
const controllers = new Map<string, AbortController>();
/** Names of the process warnings emitted so far (op `warnings`), e.g. TimeoutOverflowWarning. */
const warnings: string[] = [];
process.on('warning', (warning) => warnings.push(warning.name));
let p: WspProcTable;
let ext: WspExtensions | undefined;

function reply(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`);
}

async function pump(s: number, state: PumpState, minBytes: number, upCount: number): Promise<PumpState> {
  let { downNext, upNext } = state;
  let partial = Buffer.from(state.partial);
  let got = 0;
  while (got < minBytes) {
    const chunk = await p.WSPRecv(s);
    if (chunk.length === 0) throw new Error('unexpected EOF from the peer');
    got += chunk.length;
    const bytes = partial.length > 0 ? Buffer.concat([partial, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const whole = bytes.length - (bytes.length % 4);
    for (let i = 0; i < whole; i += 4) {
      const value = bytes.readUInt32BE(i);
      if (value !== downNext >>> 0) throw new Error(`downstream gap or duplicate: expected ${downNext >>> 0}, got ${value}`);
      downNext++;
    }
    partial = Buffer.from(bytes.subarray(whole));
  }
  if (upCount > 0) {
    const out = Buffer.alloc(upCount * 4);
    for (let i = 0; i < upCount; i++) out.writeUInt32BE((upNext + i) >>> 0, i * 4);
    await p.WSPSend(s, out);
    upNext += upCount;
  }
  return { downNext, partial, upNext };
}

async function run(c: Command): Promise<unknown> {
  const s = c['s'] as number;
  switch (c.op) {
    case 'startup': {
      const result = await WSPStartup(0x0202, testCatalogEntry(), upcalls, options);
      p = result.procTable;
      ext = result.extensions;
      return { pid: process.pid, version: result.version };
    }
    case 'socket': return p.WSPSocket((c['af'] as number) ?? 2, 1, 6, null, 0, 0);
    case 'listen': {
      const t = await p.WSPSocket(2, 1, 6, null, 0, 0);
      await p.WSPBind(t, { address: '127.0.0.1', port: 0 });
      await p.WSPListen(t, 16);
      return { s: t, port: p.WSPGetSockName(t).port };
    }
    case 'accept': return p.WSPAccept(s);
    case 'connect': {
      const t = await p.WSPSocket((c['af'] as number) ?? 2, 1, 6, null, 0, 0);
      await p.WSPConnect(t, { address: c['address'] as string, port: c['port'] as number });
      return t;
    }
    case 'connectSocket': return p.WSPConnect(s, { address: c['address'] as string, port: c['port'] as number });
    case 'import': return p.WSPSocket(-1, -1, -1, c['info'] as ProtocolInfo, 0, 0);
    case 'duplicate': return p.WSPDuplicateSocket(s, c['pid'] as number);
    case 'duplicateWithMessage': {
      const duplicate = ext?.WSPDuplicateSocketWithMessage;
      if (duplicate === undefined) throw new Error('the provider has no WSPDuplicateSocketWithMessage');
      let message = c['message'] as Uint8Array;
      // A view into a larger buffer, at `viewOffset`: only the view's bytes are the message.
      const viewOffset = c['viewOffset'] as number | undefined;
      if (viewOffset !== undefined) {
        const backing = new Uint8Array(viewOffset + message.length + 7).fill(0xee);
        backing.set(message, viewOffset);
        message = backing.subarray(viewOffset, viewOffset + message.length);
      }
      return duplicate(s, c['pid'] as number, message);
    }
    case 'duplicateWithMessageAndExit': {
      const duplicate = ext?.WSPDuplicateSocketWithMessage;
      if (duplicate === undefined) throw new Error('the provider has no WSPDuplicateSocketWithMessage');
      const info = await duplicate(s, c['pid'] as number, c['message'] as Uint8Array);
      // As duplicateAndExit: gone the moment the reply is written, no cleanup, no close.
      process.stdout.write(`${toJson({ id: c.id, ok: true, value: info })}\n`, () => process.exit(0));
      return new Promise(() => {});
    }
    case 'receiveDuplicate': {
      const receive = ext?.WSPReceiveDuplicate;
      if (receive === undefined) throw new Error('the provider has no WSPReceiveDuplicate');
      const receiveOptions: { signal?: AbortSignal; timeoutMs?: number } = {};
      if (c['timeoutMs'] !== undefined) receiveOptions.timeoutMs = c['timeoutMs'] as number;
      const key = c['abortKey'] as string | undefined;
      if (key !== undefined) {
        const controller = new AbortController();
        controllers.set(key, controller);
        receiveOptions.signal = controller.signal;
        if (c['preAborted'] === true) controller.abort();
      }
      try {
        return await receive(c['noOptions'] === true ? undefined : receiveOptions);
      } catch (error) {
        // A DOMException's `code` is a number: report the abort by its name, as a code the runner keeps.
        if (error instanceof Error && error.name === 'AbortError') throw Object.assign(new Error(error.message), { code: 'AbortError' });
        throw error;
      } finally {
        if (key !== undefined) controllers.delete(key);
      }
    }
    case 'abort': {
      const controller = controllers.get(c['key'] as string);
      if (controller === undefined) throw new Error(`no receive waits under key ${String(c['key'])}`);
      controller.abort();
      return null;
    }
    case 'warnings': return [...warnings];
    // Bulk ops of the batch tests (thousands of sockets: one command each way, not one per socket).
    case 'connectMany': {
      const out: number[] = [];
      for (let i = 0; i < (c['count'] as number); i++) {
        const t = await p.WSPSocket(2, 1, 6, null, 0, 0);
        await p.WSPConnect(t, { address: c['address'] as string, port: c['port'] as number });
        out.push(t);
      }
      return out;
    }
    case 'sendEach': {
      // Socket i sends `${prefix}${i}${suffix}` (its own bytes, so a mix-up between sockets shows).
      const ss = c['ss'] as number[];
      await Promise.all(ss.map((t, i) => p.WSPSend(t, Buffer.from(`${c['prefix'] as string}${i}${c['suffix'] as string}`))));
      return null;
    }
    case 'recvEach': {
      // Exactly `lengths[i]` bytes from socket i, in parallel, as text.
      const ss = c['ss'] as number[];
      const lengths = c['lengths'] as number[];
      return Promise.all(
        ss.map(async (t, i) => {
          const want = lengths[i] as number;
          const parts: Buffer[] = [];
          let total = 0;
          while (total < want) {
            const chunk = await p.WSPRecv(t, { maxBytes: want - total });
            if (chunk.length === 0) break;
            parts.push(Buffer.from(chunk));
            total += chunk.length;
          }
          return Buffer.concat(parts).toString();
        }),
      );
    }
    case 'duplicateBatch': {
      const batch = ext?.WSPDuplicateSocketBatch;
      if (batch === undefined) throw new Error('the provider has no WSPDuplicateSocketBatch');
      const batchOptions: { timeoutMs?: number; signal?: AbortSignal } = {};
      if (c['timeoutMs'] !== undefined) batchOptions.timeoutMs = c['timeoutMs'] as number;
      if (c['preAborted'] === true) batchOptions.signal = AbortSignal.abort();
      let results: Awaited<ReturnType<typeof batch>>;
      try {
        results = await batch(c['items'] as Array<{ s: number; message?: Uint8Array }>, c['pid'] as number, batchOptions);
      } catch (error) {
        // A DOMException's `code` is a number: report the abort by its name, as a code the runner keeps.
        if (error instanceof Error && error.name === 'AbortError') throw Object.assign(new Error(error.message), { code: 'AbortError' });
        throw error;
      }
      // A WsaError crosses as its code and message.
      return results.map((r) => (r.error === undefined ? { protocolInfo: r.protocolInfo } : { error: { code: r.error.code, message: r.error.message } }));
    }
    case 'receiveDuplicates': {
      const receive = ext?.WSPReceiveDuplicates;
      if (receive === undefined) throw new Error('the provider has no WSPReceiveDuplicates');
      const receiveOptions: { max?: number; timeoutMs?: number } = {};
      if (c['max'] !== undefined) receiveOptions.max = c['max'] as number;
      if (c['timeoutMs'] !== undefined) receiveOptions.timeoutMs = c['timeoutMs'] as number;
      return receive(receiveOptions);
    }
    case 'importMany': {
      // Each import's descriptor, or its error code (a refused import is an answer, not a failure).
      const infos = c['infos'] as ProtocolInfo[];
      const out: Array<number | string> = [];
      for (const info of infos) {
        try {
          out.push(await p.WSPSocket(-1, -1, -1, info, 0, 0));
        } catch (error) {
          out.push(String((error as { code?: unknown }).code));
        }
      }
      return out;
    }
    case 'importBatch': {
      // WSPSocketBatch: each item's descriptor, or its error code (a refused item is an answer).
      const batch = ext?.WSPSocketBatch;
      if (batch === undefined) throw new Error('the provider has no WSPSocketBatch');
      const results = await batch(c['infos'] as ProtocolInfo[], 0);
      return results.map((r) => (r.error === undefined ? r.s : r.error.code));
    }
    case 'closeMany': for (const t of c['ss'] as number[]) await p.WSPCloseSocket(t); return null;
    case 'duplicateAll': {
      // Every duplication started in the same tick: concurrent first hand-offs to one target.
      const ss = c['ss'] as number[];
      return Promise.all(ss.map((t) => p.WSPDuplicateSocket(t, c['pid'] as number)));
    }
    case 'duplicateAndExit': {
      const info = await p.WSPDuplicateSocket(s, c['pid'] as number);
      // Exit the moment the reply is written: no cleanup, no close (the spec allows the source to vanish).
      process.stdout.write(`${toJson({ id: c.id, ok: true, value: info })}\n`, () => process.exit(0));
      return new Promise(() => {});
    }
    case 'send': return p.WSPSend(s, c['data'] as Uint8Array);
    case 'recv': return p.WSPRecv(s, { maxBytes: (c['maxBytes'] as number) ?? 65536 });
    case 'recvExactly': {
      const want = c['bytes'] as number;
      const parts: Uint8Array[] = [];
      let total = 0;
      while (total < want) {
        const chunk = await p.WSPRecv(s, { maxBytes: want - total });
        if (chunk.length === 0) break;
        parts.push(chunk);
        total += chunk.length;
      }
      return Buffer.concat(parts);
    }
    case 'pump': return pump(s, c['state'] as PumpState, c['minBytes'] as number, c['upCount'] as number);
    case 'shutdown': return p.WSPShutdown(s, c['how'] as number);
    case 'close': return p.WSPCloseSocket(s);
    case 'setopt': return p.WSPSetSockOpt(s, c['level'] as number, c['optname'] as number, c['value'] as SockOptValue);
    case 'getopt': return p.WSPGetSockOpt(s, c['level'] as number, c['optname'] as number);
    case 'peername': return p.WSPGetPeerName(s);
    case 'sockname': return p.WSPGetSockName(s);
    case 'cookie': return ext?.WSPGetSocketCookie(s);
    case 'upcalls': return { log: upcalls.log, open: [...upcalls.handles.keys()] };
    // WPUNotifyDuplicateSettled calls so far, with the provider descriptor each switch descriptor names.
    case 'settlements': return upcalls.settlements.map((settled) => ({ ...settled, providerSocket: upcalls.handles.get(settled.s)?.context ?? -1 }));
    case 'cleanup': return p.WSPCleanup();
    case 'importThenCleanup': {
      // WSPCleanup in the same turn as an import (which then waits for its claim to be written):
      // how each call ends, and which switch descriptors are still open afterwards.
      const importing = p.WSPSocket(-1, -1, -1, c['info'] as ProtocolInfo, 0, 0).then(
        (t) => ({ ok: true, s: t }),
        (error: unknown) => ({ ok: false, code: (error as { code?: unknown }).code, message: (error as Error).message }),
      );
      await p.WSPCleanup();
      return { imported: await importing, open: [...upcalls.handles.keys()] };
    }
    case 'unlinkEndpoint':
      rmSync(`${options['runtimeDir'] as string}/${process.pid}.sock`);
      // An I/O poll of the event loop (the second immediate runs after one), as any other process
      // removing the file would give: the endpoint's watch sees it there.
      await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
      return null;
    case 'fillFds': {
      // Exhausts this process's descriptor limit (the agent runs under a low RLIMIT_NOFILE).
      for (;;) {
        try {
          fillers.push(openSync('/dev/null', 'r'));
        } catch {
          return fillers.length;
        }
      }
    }
    case 'releaseFds': for (const fd of fillers.splice(0)) closeSync(fd); return null;
    case 'fdCount': return readdirSync('/proc/self/fd').length;
    case 'exit': return process.exit((c['code'] as number) ?? 0);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = fromJson(line) as Command;
  run(command).then(
    (value) => reply({ id: command.id, ok: true, value: value ?? null }),
    (error: unknown) => {
      const e = error as { code?: unknown; message?: unknown };
      reply({ id: command.id, ok: false, code: typeof e.code === 'string' ? e.code : 'ERROR', message: String(e.message ?? error) });
    },
  );
});
// The test closing our stdin means it is done with us.
lines.on('close', () => process.exit(0));
