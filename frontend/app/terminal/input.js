// Keystrokes and pastes to the gateway (TERM-4). Input travels as UTF-8 binary frames. A big
// paste is cut into 64 KiB frames and each frame waits until the socket's send buffer has
// drained below a threshold: WebSocket.send() never blocks, so without this a 5 MB paste
// would sit in browser memory at once and a slow link could not push back. The gateway
// writes each frame in order as fast as the SSH window allows, so the paste arrives whole.
const CHUNK = 64 * 1024;
const LOW_WATER = 128 * 1024; // keep at most this much queued in the socket between pieces
const POLL_MS = 15; // the socket has no "drained" event; bufferedAmount is polled
const encoder = new TextEncoder();

// Cut at a UTF-8 character boundary: the gateway converts each frame to the server's
// encoding on its own (GBK, say), so half a character in each frame would become two "?".
export function utf8Pieces(bytes, size = CHUNK) {
  const pieces = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + size, bytes.length);
    while (end < bytes.length && end > start + 1 && (bytes[end] & 0xc0) === 0x80) end -= 1;
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class InputSender {
  // socket(): the open WebSocket or null. onProgress(sent, total) reports big pastes;
  // onDropped(bytes) says input was lost because the connection went away.
  constructor({ socket, onProgress = () => {}, onDropped = () => {} }) {
    this.socket = socket;
    this.onProgress = onProgress;
    this.onDropped = onDropped;
    this.queue = [];
    this.total = 0;
    this.sent = 0;
    this.pumping = false;
  }

  // text: what xterm's onData gives (already in the order typed or pasted).
  send(text) {
    this.sendBytes(encoder.encode(text));
  }

  sendBytes(bytes) {
    const ws = this.socket();
    if (!ws) {
      this.onDropped(bytes.length);
      return;
    }
    // The common case, a keystroke: straight out, unless a paste is still queued before it.
    if (!this.queue.length && bytes.length <= CHUNK && ws.bufferedAmount < LOW_WATER) {
      ws.send(bytes);
      return;
    }
    this.queue.push(...utf8Pieces(bytes));
    this.total += bytes.length;
    this.pump();
  }

  async pump() {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        const ws = this.socket();
        if (!ws) {
          this.cancel();
          break;
        }
        if (ws.bufferedAmount >= LOW_WATER) {
          await sleep(POLL_MS);
          continue;
        }
        const piece = this.queue.shift();
        ws.send(piece);
        this.sent += piece.length;
        this.onProgress(this.sent, this.total);
      }
    } finally {
      this.pumping = false;
      if (!this.queue.length) {
        this.sent = this.total = 0;
        this.onProgress(0, 0);
      }
    }
  }

  // The connection went away mid-paste: the rest is dropped, never replayed into whatever
  // the shell is doing by the time we are back.
  cancel() {
    const lost = this.queue.reduce((sum, piece) => sum + piece.length, 0);
    this.queue = [];
    this.sent = this.total = 0;
    if (lost) this.onDropped(lost);
    this.onProgress(0, 0);
  }

  get busy() {
    return this.queue.length > 0;
  }
}
