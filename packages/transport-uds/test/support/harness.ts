import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Open descriptors of this process. */
export function countFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** A fresh 0700 directory under the OS temp dir; `cleanup()` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'uds-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Child {
  process: ChildProcess;
  stdout: string[];
  /** Resolves with the first stdout line matching `test` (lines are JSON). */
  line: (test: (value: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const live = new Set<ChildProcess>();

/** Spawns `node fixtures/<script> ...args` (a separate process, no IPC channel), tracked for killAll. */
export function spawnFixture(script: string, args: readonly string[]): Child {
  // Its own process group, so that killAll also reaches anything the fixture started itself.
  const child = spawn(process.execPath, [join(fixturesDir, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  const stdout: string[] = [];
  let stderr = '';
  const waiting: Array<{ test: (v: Record<string, unknown>) => boolean; resolve: (v: Record<string, unknown>) => void }> = [];
  let rest = '';
  const seen: Array<Record<string, unknown>> = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const text = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      stdout.push(text);
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      seen.push(value);
      for (let i = waiting.length - 1; i >= 0; i--) {
        const w = waiting[i]!;
        if (w.test(value)) {
          waiting.splice(i, 1);
          w.resolve(value);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      for (const w of waiting.splice(0)) w.resolve({ exited: true, code, stderr });
      resolve({ code, signal, stderr });
    });
  });
  const line = (test: (value: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const found = seen.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => waiting.push({ test, resolve }));
  };
  return { process: child, stdout, line, exited };
}

/** Kills every fixture still running (afterEach), and waits until they are gone. */
export async function killAll(): Promise<void> {
  const waits = [...live].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }),
  );
  await Promise.all(waits);
}
