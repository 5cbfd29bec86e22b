// What the Memories view shows: the recent memories, or the results of the last search; loaded through the helper client.
import * as vscode from 'vscode';
import { WardenError } from '../../shared/errors';
import { MemoryRecentRequest, MemorySearchRequest, type MemoryHit, type MemoryRecord } from '../../shared/protocol';
import type { HelperClient } from '../helperClient';

export const RECENT_LIMIT = 50;

export class MemoryModel implements vscode.Disposable {
  private items: (MemoryRecord | MemoryHit)[] = [];
  private query: string | null = null;
  private error: string | null = null;
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly client: HelperClient) {}

  get memories(): readonly (MemoryRecord | MemoryHit)[] {
    return this.items;
  }

  get searchQuery(): string | null {
    return this.query;
  }

  get lastError(): string | null {
    return this.error;
  }

  async refresh(): Promise<void> {
    try {
      if (this.query) {
        this.items = (await this.client.request(MemorySearchRequest.type, { query: this.query, limit: RECENT_LIMIT })).hits;
      } else {
        this.items = await this.client.request(MemoryRecentRequest.type, { limit: RECENT_LIMIT });
      }
      this.error = null;
    } catch (err) {
      this.items = [];
      this.error = WardenError.from(err).message;
    }
    this.changeEmitter.fire();
  }

  /** Shows search results in the view (from the Search Memories quick pick). */
  showResults(query: string, hits: MemoryHit[]): void {
    this.query = query;
    this.items = hits.slice(0, RECENT_LIMIT);
    this.error = null;
    this.changeEmitter.fire();
  }

  clearSearch(): Promise<void> {
    this.query = null;
    return this.refresh();
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.items = [];
  }
}
