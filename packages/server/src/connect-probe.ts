/**
 * A connect probe for the length of a restart: every `intervalMs`, one TCP connect to each listener's
 * address (loopback for a wildcard), timed to its handshake and closed at once. It tells whether any
 * connect was refused while the listener changed hands, and the slowest one. The probe's connections
 * reach the server like any other (and end with no byte sent): opt-in (`probeConnects`).
 */
import { connect, type AddressInfo } from 'node:net';

/** The address to probe for a listener bound to `address` (a wildcard is probed on loopback). */
function probeTarget(address: AddressInfo): { host: string; port: number } {
  const wildcard = address.address === '::' || address.address === '0.0.0.0';
  const host = wildcard ? (address.family === 'IPv6' ? '::1' : '127.0.0.1') : address.address;
  return { host, port: address.port };
}

/** A running probe. */
export interface ConnectProbe {
  readonly attempted: number;
  readonly refused: number;
  readonly worstLatencyMs: number;
  stop(): Promise<void>;
}

/** Starts probing `addresses` (TCP listeners) every `intervalMs`. */
export function startConnectProbe(addresses: readonly AddressInfo[], intervalMs: number): ConnectProbe {
  const targets = addresses.map(probeTarget);
  const pending = new Set<Promise<void>>();
  const state = { attempted: 0, refused: 0, worstLatencyMs: 0 };
  const once = (target: { host: string; port: number }): Promise<void> =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      state.attempted++;
      const socket = connect(target);
      socket.once('connect', () => {
        state.worstLatencyMs = Math.max(state.worstLatencyMs, Number(process.hrtime.bigint() - started) / 1e6);
        socket.destroy();
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') state.refused++;
        socket.destroy();
        resolve();
      });
    });
  const tick = (): void => {
    for (const target of targets) {
      const p = once(target);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    get attempted() {
      return state.attempted;
    },
    get refused() {
      return state.refused;
    },
    get worstLatencyMs() {
      return state.worstLatencyMs;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}
