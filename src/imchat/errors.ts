// Why a session could not start, as a coded Error whose message a person can act on.

export type ImchatErrorCode =
  | 'UNREACHABLE'
  | 'NAME_IN_USE'
  | 'ROOM_FULL'
  | 'UNAUTHORIZED'
  | 'BAD_NAME'
  | 'NAME_TAKEN'
  | 'KEY_FILE'
  | 'STORE';

/** An expected failure to start, with a message a person can act on. */
export class ImchatError extends Error {
  constructor(
    readonly code: ImchatErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImchatError';
  }
}
