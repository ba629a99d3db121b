/**
 * Where providers meet: the private runtime directory that holds each provider's hand-off endpoint
 * `<runtimeDir>/<pid>.sock`. A process finds another's endpoint from nothing but its pid.
 */
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WsaError } from '@sanshare/protocol-info';

/** The default directory: `$XDG_RUNTIME_DIR/sanshare`, else `<os.tmpdir()>/sanshare-<uid>`. */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '') return join(xdg, 'sanshare');
  return join(tmpdir(), `sanshare-${process.getuid?.() ?? 0}`);
}

/** The endpoint path of process `pid`. */
export function endpointPath(runtimeDir: string, pid: number): string {
  return join(runtimeDir, `${pid}.sock`);
}

/**
 * Creates `dir` (mode 0700) if needed and checks that it is a directory owned by this user with no
 * access for group or others: anyone who can write there could squat another process's endpoint.
 * (The pid and uid checks with SO_PEERCRED catch a squatter anyway; this keeps them out.)
 * Throws `WsaError` `WSAEACCES` when the directory is not private, `WSAENETDOWN` when it cannot be made.
 */
export function ensureRuntimeDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new WsaError('WSAENETDOWN', `cannot create the runtime directory ${dir}`, { cause: error });
  }
  const stat = statSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) throw new WsaError('WSAENETDOWN', `${dir} is not a directory`);
  if ((uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new WsaError('WSAEACCES', `the runtime directory ${dir} must be owned by uid ${String(uid)} with mode 0700`);
  }
}
