// Public API of src/line/: the line framework (the lab's ex3utils done properly).
export { LineDecoder, DEFAULT_MAX_LINE_BYTES, type LineDecoderOptions } from './decoder.js';
export {
  LineError,
  LineTooLongError,
  LineConnectError,
  describeConnectFailure,
  type LineErrorCode,
} from './errors.js';
export { Connection, DEFAULT_MAX_OUTPUT_BYTES } from './connection.js';
export { LineServer, type LineServerOptions, type DisconnectReason } from './server.js';
export { LineClient, type LineClientOptions } from './client.js';
export { TelnetFilter, type TelnetResult } from './telnet.js';
export { EchoServer } from './echo-server.js';
export { EgoServer, EGO_SENTENCE } from './ego-server.js';
