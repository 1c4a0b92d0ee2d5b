// Telnet's in-band commands, taken out of the byte stream before framing. A telnet client sends IAC (0xFF)
// sequences: Ctrl-C becomes IAC IP IAC DO TIMING-MARK, and the client then shows nothing more until the server
// answers the DO (RFC 1123 3.2.4). So every option request is refused (DO -> WONT, WILL -> DONT), every other
// command is dropped, and a client such as nc that never sends 0xFF costs one indexOf per chunk.
// A line feed always reaches the framing and ends any unfinished sequence: a peer that is not telnet and sends
// 0xFF by mistake loses at most part of one line, never the lines after it. (We refuse every option, so a
// real telnet never has a reason to send a subnegotiation, whose binary payload could hold a 0x0A.)

const IAC = 0xff;
const SB = 0xfa; // subnegotiation start, runs to IAC SE
const LF = 0x0a;
const FIRST_COMMAND = 0xf0;
const SE = 0xf0;
const WILL = 0xfb;
const WONT = 0xfc;
const DO = 0xfd;
const DONT = 0xfe;

type Mode = 'data' | 'iac' | 'option' | 'sub' | 'sub-iac';

export interface TelnetResult {
  /** The chunk's data bytes, with every telnet command removed (an escaped IAC IAC stays as one 0xFF). */
  data: Buffer;
  /** Refusals to send back for the option requests in this chunk, or null. */
  reply: Buffer | null;
}

/** A socket-free state machine: feed chunks in arrival order; sequences split across chunks are handled. */
export class TelnetFilter {
  private mode: Mode = 'data';
  private verb = 0;

  push(chunk: Buffer): TelnetResult {
    if (this.mode === 'data' && chunk.indexOf(IAC) === -1) return { data: chunk, reply: null };
    // One byte more than the chunk: an IAC held over from the previous chunk may turn out to be data.
    const data = Buffer.allocUnsafe(chunk.length + 1);
    let length = 0;
    const reply: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF) {
        if (this.mode === 'iac') data[length++] = IAC;
        this.mode = 'data';
        data[length++] = LF;
        continue;
      }
      switch (this.mode) {
        case 'data':
          if (byte === IAC) this.mode = 'iac';
          else data[length++] = byte;
          break;
        case 'iac':
          if (byte === IAC) {
            data[length++] = IAC;
            this.mode = 'data';
          } else if (byte === WILL || byte === WONT || byte === DO || byte === DONT) {
            this.verb = byte;
            this.mode = 'option';
          } else if (byte === SB) {
            this.mode = 'sub';
          } else if (byte < FIRST_COMMAND) {
            // Not a command: the 0xFF was stray data; both bytes go on (the decoder makes 0xFF a U+FFFD).
            data[length++] = IAC;
            data[length++] = byte;
            this.mode = 'data';
          } else {
            this.mode = 'data';
          }
          break;
        case 'option':
          if (this.verb === DO) reply.push(IAC, WONT, byte);
          else if (this.verb === WILL) reply.push(IAC, DONT, byte);
          this.mode = 'data';
          break;
        case 'sub':
          if (byte === IAC) this.mode = 'sub-iac';
          break;
        case 'sub-iac':
          this.mode = byte === SE ? 'data' : 'sub';
          break;
      }
    }
    return { data: data.subarray(0, length), reply: reply.length > 0 ? Buffer.from(reply) : null };
  }
}
