// Removing a container whose last member has just died: the kernel refuses rmdir (EBUSY) until the dying tasks are
// released (a zombie reaped by its parent), a few ms after cgroup.events already says "populated 0".
import type { Container } from './types';

const REMOVE_RETRY_MS = 20;
const REMOVE_WAIT_MS = 2000;

export async function removeWhenReleased(container: Container, waitMs = REMOVE_WAIT_MS): Promise<boolean> {
  const end = Date.now() + waitMs;
  for (;;) {
    if (container.remove()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, REMOVE_RETRY_MS));
  }
}
