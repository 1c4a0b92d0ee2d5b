// Public API of src/chat/: the TCP chat's protocol, core, server and client. Names carry "Chat" where the
// package's other systems (imchat, store) export similar ones.
export { ChatServer, type ChatServerOptions, DEFAULT_IDLE_MS, DEFAULT_PING_TIMEOUT_MS } from './server.js';
export { ChatClient, ChatClientError, ChatReplyError, type ChatClientOptions } from './client.js';
export { Room as ChatRoom, type ClientId, type Delivery, type Outcome } from './room.js';
export {
  COMMANDS as CHAT_COMMANDS,
  VERBS as CHAT_VERBS,
  type CommandSpec,
  type ArgSpec,
} from './commands.js';
export { ClusterRoom as ChatClusterRoom } from './cluster/room.js';
export {
  RedisLink as ChatRedisLink,
  type RedisLinkOptions as ChatRedisLinkOptions,
} from './cluster/redis-link.js';
export type {
  ClusterLink as ChatClusterLink,
  ClusterHandlers as ChatClusterHandlers,
} from './cluster/link.js';
export type { ClusterEvent as ChatClusterEvent } from './cluster/events.js';
export { FloodGate, DEFAULT_FLOOD_LIMITS, type FloodLimits, type FloodDecision } from './flood.js';
export { runChatSession, type ChatSessionOptions } from './terminal.js';
export {
  parseCommand as parseChatCommand,
  parseServerLine as parseChatServerLine,
  formatEvent as formatChatEvent,
  formatError as formatChatError,
  formatOk as formatChatOk,
  formatGreeting as formatChatGreeting,
  isValidName as isValidChatName,
  NAME_PATTERN as CHAT_NAME_PATTERN,
  ProtocolError as ChatProtocolError,
  type ChatEvent,
  type Command as ChatCommand,
  type Reply as ChatReply,
  type ServerLine as ChatServerLine,
} from './protocol.js';
