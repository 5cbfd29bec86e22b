// Path joining for the platform being located (win32 paths on Windows, POSIX elsewhere), whatever this process runs on.
import { posix, win32 } from 'node:path';

export function pathFor(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}
