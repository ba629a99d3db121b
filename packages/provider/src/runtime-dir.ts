/**
 * Where providers meet: the private runtime directory that holds each provider's hand-off endpoint
 * `<runtimeDir>/<pid>.sock`. A process finds another's endpoint from nothing but its pid.
 */
import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** What to do when the directory cannot be used: the end of every error's first line. */
const FIX = 'set XDG_RUNTIME_DIR or the runtimeDir option to a directory of your own';

/**
 * Creates `dir` (mode 0700) if it is missing, and checks it with `lstat` (a symbolic link is never
 * followed): a directory, not a symbolic link, owned by this process's uid, mode 0700. The default
 * `<tmpdir>/sanshare-<uid>` sits in a world-writable directory, where another user could create it
 * first or plant a symbolic link to a directory of their choosing, and whoever can write in the
 * directory could squat another process's endpoint (the SO_PEERCRED checks would catch a squatter;
 * this keeps them out). Throws `WsaError` `WSAEACCES` whose first line names the path, what is wrong
 * and the fix; `WSAENETDOWN` when the directory cannot be made for another reason.
 */
export function ensureRuntimeDir(dir: string): void {
  let stat = lstat(dir);
  if (stat === undefined) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // The umask may have taken bits away (never added any): make it exactly 0700.
      chmodSync(dir, 0o700);
    } catch (error) {
      const errno = fsCode(error);
      if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS') {
        throw new WsaError('WSAEACCES', `cannot create the runtime directory ${dir}: permission denied (${errno}); make ${dirname(dir)} writable, or ${FIX}`, { cause: error });
      }
      throw new WsaError('WSAENETDOWN', `cannot create the runtime directory ${dir}: ${error instanceof Error ? error.message : String(error)}; ${FIX}`, { cause: error });
    }
    stat = lstat(dir);
    if (stat === undefined) throw new WsaError('WSAENETDOWN', `the runtime directory ${dir} vanished right after it was created; ${FIX}`);
  }
  const uid = process.getuid?.();
  if (stat.isSymbolicLink()) {
    throw new WsaError('WSAEACCES', `the runtime directory ${dir} is a symbolic link (never followed: anyone could have planted it); remove it, or ${FIX}`);
  }
  if (!stat.isDirectory()) throw new WsaError('WSAEACCES', `the runtime directory ${dir} is not a directory; remove it, or ${FIX}`);
  if (uid !== undefined && stat.uid !== uid) {
    throw new WsaError('WSAEACCES', `the runtime directory ${dir} is owned by uid ${stat.uid}, not by this process's uid ${uid}; remove it, or ${FIX}`);
  }
  if ((stat.mode & 0o777) !== 0o700) {
    throw new WsaError('WSAEACCES', `the runtime directory ${dir} has mode 0${(stat.mode & 0o777).toString(8)}, not 0700 (only its owner may use it); chmod 700 it, remove it, or ${FIX}`);
  }
}

/** `lstat`, undefined when nothing is there; other failures (EACCES on a parent...) become a `WsaError` that says so. */
function lstat(dir: string): Stats | undefined {
  try {
    return lstatSync(dir, { throwIfNoEntry: false });
  } catch (error) {
    const errno = fsCode(error);
    throw new WsaError(
      errno === 'EACCES' || errno === 'EPERM' ? 'WSAEACCES' : 'WSAENETDOWN',
      `cannot examine the runtime directory ${dir}: ${errno === 'EACCES' || errno === 'EPERM' ? `permission denied (${errno}) on a directory above it` : error instanceof Error ? error.message : String(error)}; ${FIX}`,
      { cause: error },
    );
  }
}

/** The `code` of a Node fs error (`EACCES`...), or `'error'`. */
function fsCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}
