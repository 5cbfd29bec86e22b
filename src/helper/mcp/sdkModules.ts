// The MCP SDK pieces the supervisor uses, gathered so they can be loaded together on first use (see sdk.ts).
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
export { ChildProcessTransport, REPLY_TOO_LARGE_RPC_CODE } from './childProcessTransport';
export { TapTransport } from './tapTransport';
