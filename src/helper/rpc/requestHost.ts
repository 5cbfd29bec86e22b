// The slice of a JSON-RPC connection that request handlers need, so one set of handlers serves both
// every connection to the control socket: an editor window's and the CLI's (vscode-jsonrpc).
import type { CancellationToken, NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Disposable } from '../../shared/disposable';

export type RequestHandler<P, R> = (params: P, token: CancellationToken) => R | Promise<R>;
export type RequestHandler0<R> = (token: CancellationToken) => R | Promise<R>;

export interface RequestHost {
  onRequest<P, R>(type: RequestType<P, R, void>, handler: RequestHandler<P, R>): Disposable;
  onRequest<R>(type: RequestType0<R, void>, handler: RequestHandler0<R>): Disposable;
  sendNotification<P>(type: NotificationType<P>, params: P): void | Promise<void>;
}
