// Public API of src/chat/: the TCP chat's protocol, core, server and client.
export { ChatServer, type ChatServerOptions, DEFAULT_IDLE_MS, DEFAULT_PING_TIMEOUT_MS } from './server.js';
export { ChatClient, ChatClientError, ChatReplyError, type ChatClientOptions } from './client.js';
export { Room, type ClientId, type Delivery, type Outcome } from './room.js';
export { COMMANDS, VERBS, type CommandSpec, type ArgSpec } from './commands.js';
export { FloodGate, DEFAULT_FLOOD_LIMITS, type FloodLimits, type FloodDecision } from './flood.js';
export {
  parseCommand,
  parseServerLine,
  formatEvent,
  formatError,
  formatOk,
  formatGreeting,
  isValidName,
  NAME_PATTERN,
  ProtocolError,
  type ChatEvent,
  type Command,
  type Reply,
  type ServerLine,
} from './protocol.js';
