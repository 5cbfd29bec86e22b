// Errors as values with a code, so they cross the helper protocol (and the control socket) intact.
import { ResponseError } from 'vscode-jsonrpc';

export type WardenErrorCode =
  | 'CAP_MAX_SERVERS'
  | 'CAP_MEMORY'
  | 'CAP_MEMORY_GROWTH'
  | 'CAP_CHILDREN'
  | 'CAP_RESTART_INTENSITY'
  | 'CAP_IN_FLIGHT'
  | 'REQUEST_TIMEOUT'
  | 'UNKNOWN_SERVER'
  | 'SERVER_NOT_RUNNING'
  | 'SERVER_BLOCKED'
  | 'CONFIG_INVALID'
  | 'SPAWN_FAILED'
  | 'HANDSHAKE_FAILED'
  | 'SHUTDOWN_SURVIVORS'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_ERROR'
  | 'NODE_TOO_OLD'
  | 'HELPER_UNAVAILABLE'
  | 'MEMORY_INVALID_ARGUMENT'
  | 'MEMORY_NOT_FOUND'
  | 'MEMORY_DB_LOCKED'
  | 'MEMORY_DB_CORRUPT'
  | 'MEMORY_DB_ERROR'
  | 'MEMORY_IMPORT_FAILED'
  | 'STATE_DIR_UNSAFE'
  | 'REPLY_TOO_LARGE'
  | 'MEMORY_EXPORT_FAILED'
  | 'ADOPT_CONFLICT'
  | 'INTERNAL';

/** JSON-RPC error code used for every WardenError; the Warden code travels in `data.wardenCode`. */
export const WARDEN_RPC_ERROR = -32050;

export interface WardenErrorData {
  wardenCode: WardenErrorCode;
  server?: string;
}

export class WardenError extends Error {
  readonly code: WardenErrorCode;
  readonly server: string | undefined;

  constructor(code: WardenErrorCode, message: string, server?: string) {
    super(message);
    this.name = 'WardenError';
    this.code = code;
    this.server = server;
  }

  toResponseError(): ResponseError<WardenErrorData> {
    const data: WardenErrorData = { wardenCode: this.code };
    if (this.server !== undefined) data.server = this.server;
    return new ResponseError(WARDEN_RPC_ERROR, this.message, data);
  }

  /** Rebuilds a WardenError from whatever a JSON-RPC call rejected with. */
  static from(err: unknown): WardenError {
    if (err instanceof WardenError) return err;
    if (err instanceof ResponseError) {
      const data = err.data as Partial<WardenErrorData> | undefined;
      if (data && typeof data.wardenCode === 'string') return new WardenError(data.wardenCode, err.message, data.server);
      return new WardenError('INTERNAL', err.message);
    }
    return new WardenError('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}

/** Converts anything thrown inside a request handler into an error that crosses the protocol with its code. */
export function toResponseError(err: unknown): ResponseError<WardenErrorData> {
  return WardenError.from(err).toResponseError();
}
