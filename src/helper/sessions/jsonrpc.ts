// Small helpers for JSON-RPC messages as the session layer forwards them: kinds, ids, and error replies.
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { WARDEN_RPC_ERROR, type WardenErrorCode } from '../../shared/errors';

export type Message = JSONRPCMessage;
export type Id = string | number;

export interface Request {
  jsonrpc: '2.0';
  id: Id;
  method: string;
  params?: Record<string, unknown>;
}
export interface Notification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface Response {
  jsonrpc: '2.0';
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export const METHOD_NOT_FOUND = -32601;
export const INVALID_REQUEST = -32600;

export function isRequest(m: Message): m is Message & Request {
  return 'method' in m && 'id' in m && m.id !== undefined;
}
export function isNotification(m: Message): m is Message & Notification {
  return 'method' in m && !('id' in m && m.id !== undefined);
}
export function isResponse(m: Message): m is Message & Response {
  return !('method' in m) && 'id' in m;
}

/** A reply that names the Warden error code in `data`, as the helper protocol does. */
export function wardenError(id: Id, code: WardenErrorCode, message: string): Message {
  return { jsonrpc: '2.0', id, error: { code: WARDEN_RPC_ERROR, message, data: { wardenCode: code } } } as Message;
}

export function rpcError(id: Id, code: number, message: string): Message {
  return { jsonrpc: '2.0', id, error: { code, message } } as Message;
}

/** Upstream ids and progress tokens are `w:<session>:<n>`: the session is read back from the id, no lookup table. */
export function upstreamId(sessionId: number, n: number): string {
  return `w:${sessionId}:${n}`;
}

export function sessionOf(id: unknown): number | undefined {
  if (typeof id !== 'string' || !id.startsWith('w:')) return undefined;
  const end = id.indexOf(':', 2);
  const n = Number(id.slice(2, end < 0 ? undefined : end));
  return Number.isInteger(n) ? n : undefined;
}
