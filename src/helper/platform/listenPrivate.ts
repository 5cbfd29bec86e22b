// Binds a server to a unix socket that is the user's alone (0600) from its first instant, for every socket Warden serves.
import { chmodSync } from 'node:fs';
import type { Server } from 'node:net';

export async function listenPrivate(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // bind(2) happens inside listen(), synchronously: the umask makes the socket file 0600 from its first instant.
    const umask = process.platform !== 'win32' ? process.umask(0o177) : undefined;
    try {
      server.listen(path, () => resolve());
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  });
  if (process.platform !== 'win32') chmodSync(path, 0o600);
}
