// Chat over the state store: the key layout, the live and turn state machines, and the session that runs them.
export * from './keys.js';
export { RoomView, seqsToPrune, type RoomEvent, type RoomEntry, type RoomChange } from './live.js';
export { TurnMachine, type TurnAction, type TurnContext } from './turn.js';
export {
  ImchatSession,
  ImchatError,
  type ImchatSessionOptions,
  type SessionEvent,
  DEFAULT_HISTORY,
  DEFAULT_PRESENCE_TTL_SECONDS,
  DEFAULT_ROOM,
} from './session.js';
export { formatEvent } from './display.js';
