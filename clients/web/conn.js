// The websocket to ringsided: protobuf framing, hello, reconnect with
// backoff. Knows nothing about tasks; app.js gives meaning to messages.

const SUBPROTOCOL = 'ringside.v1';
const CLIENT_NAME = 'ringside-web/1';
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 5000;
const CONNECT_TIMEOUT_MS = 10000;
// Close code the daemon uses after refusing a token: reconnecting with the
// same token would only be refused again.
const CLOSE_POLICY = 1008;
// Tasks the daemon holds ready behind the current one, so the next window
// is on screen the moment the current one is answered.
const PREFETCH = 1;

// Loads the schema the daemon serves, so client and daemon never disagree
// on field numbers. Returns the two message types.
// keepCase keeps the schema's field names (label_id, start_ns) instead of
// camelCase, so code and schema read the same.
export async function connLoadSchema(url) {
  const root = await new protobuf.Root().load(url, { keepCase: true });
  return {
    ClientMessage: root.lookupType('ringside.v1.ClientMessage'),
    ServerMessage: root.lookupType('ringside.v1.ServerMessage'),
  };
}

// ws:// or wss:// next to the page, so a TLS proxy in front works as is.
function connUrl() {
  const url = new URL('./', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

// One of these per page. Callbacks:
//   onState({state, retryInMs, code, reason}) with state one of
//     'connecting', 'open', 'reconnecting', 'refused'
//   onMessage(kind, body) for each ServerMessage (kind = oneof field name)
//   onBadMessage(errorText) when a frame cannot be decoded
// and callbacks.prefetch (default PREFETCH): held tasks to ask for.
export class Conn {
  constructor(schema, callbacks) {
    this.schema = schema;
    this.cb = callbacks;
    this.prefetch = callbacks.prefetch ?? PREFETCH;
    this.ws = null;
    this.token = null;
    this.backoffMs = BACKOFF_FIRST_MS;
    this.retryTimer = null;
    this.connectTimer = null;
  }

  start(token) {
    this.stop();
    this.token = token;
    this.backoffMs = BACKOFF_FIRST_MS;
    this.open();
  }

  // Called once the daemon accepted us (welcome): the next drop starts
  // again from the shortest delay.
  resetBackoff() {
    this.backoffMs = BACKOFF_FIRST_MS;
  }

  // Closes for good (until the next start): after a refused token, retrying
  // would only be refused again.
  stop() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // Encodes and sends one ClientMessage given as a plain object
  // ({submit: {...}}). Returns false when there is no open socket; the
  // caller keeps what it must resend.
  send(obj) {
    if (!this.isOpen()) return false;
    const { ClientMessage } = this.schema;
    this.ws.send(ClientMessage.encode(ClientMessage.fromObject(obj)).finish());
    return true;
  }

  open() {
    clearTimeout(this.retryTimer);
    this.cb.onState({ state: 'connecting' });
    const ws = new WebSocket(connUrl(), SUBPROTOCOL);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    // A socket that never opens (dropped SYNs) must not hang the client.
    this.connectTimer = setTimeout(() => ws.close(), CONNECT_TIMEOUT_MS);

    ws.onopen = () => {
      clearTimeout(this.connectTimer);
      this.send({ hello: { token: this.token, client: CLIENT_NAME, prefetch: this.prefetch } });
      this.cb.onState({ state: 'open' });
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      clearTimeout(this.connectTimer);
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === CLOSE_POLICY) {
        this.cb.onState({ state: 'refused', code: ev.code, reason: ev.reason });
        return;
      }
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      this.cb.onState({ state: 'reconnecting', retryInMs: delay, code: ev.code, reason: ev.reason });
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
  }

  receive(data) {
    if (typeof data === 'string') {
      this.cb.onBadMessage('server sent a text frame; expected binary protobuf');
      return;
    }
    let msg;
    try {
      msg = this.schema.ServerMessage.decode(new Uint8Array(data));
    } catch (err) {
      this.cb.onBadMessage(`cannot decode server message: ${err.message}`);
      return;
    }
    if (!msg.msg) {
      this.cb.onBadMessage('server message with no known field (newer daemon?)');
      return;
    }
    this.cb.onMessage(msg.msg, msg[msg.msg]);
  }
}
