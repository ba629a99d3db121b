import { SUN_PATH_MAX } from './constants.js';
import { UdsError } from './errors.js';

/**
 * Checks a socket path before any syscall. Throws UdsError `UDS_PATH_TOO_LONG` past the kernel's
 * `sun_path` limit (108 bytes with the terminating NUL, so {@link SUN_PATH_MAX} = 107 bytes of
 * path), `UDS_INVALID_ARGUMENT` for an empty path or one with a NUL byte.
 */
export function checkSocketPath(path: unknown, what: string): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${what}: the socket path must be a non-empty string`);
  }
  if (path.includes('\0')) {
    throw new UdsError('UDS_INVALID_ARGUMENT', `${what}: the socket path contains a NUL byte (abstract sockets are not supported)`);
  }
  const bytes = Buffer.byteLength(path);
  if (bytes > SUN_PATH_MAX) {
    throw new UdsError(
      'UDS_PATH_TOO_LONG',
      `${what}: the socket path is ${bytes} bytes; the kernel's sun_path limit is ${SUN_PATH_MAX} bytes ` +
        '(108 with the terminating NUL). Use a shorter directory, e.g. under $XDG_RUNTIME_DIR or /tmp.',
    );
  }
  return path;
}
