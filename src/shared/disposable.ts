// Lifetimes as disposables: whatever starts something hands back one, and an owner disposes it.

export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Owns a set of disposables; disposing it disposes them all, once, in reverse order of adding. */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return this.items.size;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      // Adding to a dead owner would leak: release it at once instead.
      item.dispose();
      return item;
    }
    this.items.add(item);
    return item;
  }

  /** Disposes one item now and forgets it, so long-lived stores do not grow. */
  delete(item: Disposable): void {
    if (this.items.delete(item)) item.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.items].reverse();
    this.items.clear();
    let first: unknown;
    for (const item of all) {
      try {
        item.dispose();
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }
}

/** A timer as a disposable (setInterval). */
export function interval(fn: () => void, ms: number, unref = true): Disposable {
  const handle = setInterval(fn, ms);
  if (unref) handle.unref?.();
  return toDisposable(() => clearInterval(handle));
}

/** A one-shot timer as a disposable (setTimeout). */
export function timeout(fn: () => void, ms: number, unref = true): Disposable {
  const handle = setTimeout(fn, ms);
  if (unref) handle.unref?.();
  return toDisposable(() => clearTimeout(handle));
}

/** A typed event emitter whose subscriptions are disposables; listener errors never break the emitter. */
export class Emitter<T> implements Disposable {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        console.error('listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
