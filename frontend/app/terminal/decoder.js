// Terminal output arrives as raw bytes in the server's encoding (TERM-7), cut wherever the
// gateway's frames happen to end: a multi-byte character may straddle two frames. A streaming
// TextDecoder keeps the partial bytes until the rest arrives, so "中" split as E4 B8 | AD
// still renders as one character. One decoder per connection: a reattach replays the
// scrollback from the start, so it gets a fresh one.

// Our registry's encoding names (core/sshgate/registry/models.py ENCODINGS) -> WHATWG labels.
const LABELS = {
  "utf-8": "utf-8",
  gbk: "gbk",
  big5: "big5",
  shift_jis: "shift_jis",
  "euc-jp": "euc-jp",
  "euc-kr": "euc-kr",
  cp1252: "windows-1252",
};

// WHATWG maps "latin1" to windows-1252, which turns the C1 controls 0x80-0x9F into € and
// friends. Python's latin-1 (what the gateway encodes input with) is byte = code point.
class Latin1Decoder {
  decode(bytes = new Uint8Array(0)) {
    let text = "";
    for (let start = 0; start < bytes.length; start += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(start, start + 8192));
    }
    return text;
  }
}

class StreamDecoder {
  constructor(label) {
    this.decoder = new TextDecoder(label, { fatal: false });
  }

  decode(bytes) {
    return this.decoder.decode(bytes, { stream: true });
  }
}

export function knownEncoding(encoding) {
  return encoding === "latin-1" || encoding in LABELS;
}

export function createDecoder(encoding = "utf-8") {
  const name = String(encoding || "utf-8").toLowerCase();
  if (name === "latin-1") return new Latin1Decoder();
  try {
    return new StreamDecoder(LABELS[name] || name);
  } catch {
    // A name this browser has no decoder for: UTF-8 shows most of the text rather than none.
    return new StreamDecoder("utf-8");
  }
}
