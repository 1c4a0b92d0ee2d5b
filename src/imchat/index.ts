// Chat over the state store: the key layout, the live and turn state machines, and the session that runs them.
// Names carry an imchat prefix where a generic one could clash with the package's other systems.
export * as imchatKeys from './keys.js';
export {
  RoomView as ImchatRoomView,
  seqsToPrune as imchatSeqsToPrune,
  type RoomEvent as ImchatRoomEvent,
  type RoomEntry as ImchatRoomEntry,
  type RoomChange as ImchatRoomChange,
} from './live.js';
export { TurnMachine as ImchatTurnMachine, type TurnAction, type TurnContext } from './turn.js';
export {
  ImchatSession,
  ImchatError,
  type ImchatErrorCode,
  type ImchatSessionOptions,
  type SessionEvent as ImchatSessionEvent,
  DEFAULT_HISTORY as IMCHAT_DEFAULT_HISTORY,
  DEFAULT_PRESENCE_TTL_SECONDS as IMCHAT_DEFAULT_PRESENCE_TTL_SECONDS,
  DEFAULT_ROOM as IMCHAT_DEFAULT_ROOM,
} from './session.js';
export { formatEvent as formatImchatEvent } from './display.js';
