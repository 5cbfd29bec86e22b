// The fallback everywhere the kernel offers no container we may write: today's process groups plus sampling. The
// tree is found by the sampler (descendants, tracked escapees) and stopped by signals (platform/terminate.ts).
import type { Container, ContainmentBackend, ContainmentKind, LaunchCommand } from './types';

export class ProcessGroupContainer implements Container {
  readonly paths: string[] = [];
  constructor(readonly detail: string) {}
  launch(file: string, args: readonly string[]): LaunchCommand {
    return { file, args: [...args], joinsItself: true };
  }
  adopt(): void {}
  members(): number[] {
    return [];
  }
  isEmpty(): boolean | undefined {
    return undefined;
  }
  async killAll(): Promise<void> {}
  memoryBytes(): number | undefined {
    return undefined;
  }
  oomKills(): number {
    return 0;
  }
  pidsLimitHits(): number {
    return 0;
  }
  setLimits(): void {}
  remove(): boolean {
    return true;
  }
}

export class ProcessGroupBackend implements ContainmentBackend {
  readonly limits = { memory: false, pids: false };
  constructor(
    readonly reason: string,
    readonly kind: ContainmentKind = 'process-group',
  ) {}
  create(): Container {
    return new ProcessGroupContainer(`${this.kind}: ${this.reason}`);
  }
  dispose(): void {}
}
