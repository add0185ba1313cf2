// Test harness: a private redis-server, a sensor feeder and ringsided on
// free loopback ports in a throwaway directory, plus a real websocket
// reviewer client speaking ringside.v1. Every wait is bounded.
'use strict';

const { spawn } = require('child_process');
const dgram = require('dgram');
const fs = require('fs');
const http = require('http');
const https = require('https');
const net = require('net');
const os = require('os');
const path = require('path');
const protobuf = require('protobufjs');
const Redis = require('ioredis');
const WebSocket = require('ws');

const SRC = process.env.RINGSIDE_SRC || path.resolve(__dirname, '../..');
const RINGSIDED = process.env.RINGSIDED || path.join(SRC, 'build/ringsided');
const BIN = process.env.RINGSIDE_BIN || path.join(SRC, 'build/clients');

const root = protobuf.loadSync(path.join(SRC, 'proto/ringside.proto'));
const T = {
  ClientMessage: root.lookupType('ringside.v1.ClientMessage'),
  ServerMessage: root.lookupType('ringside.v1.ServerMessage'),
  Label: root.lookupType('ringside.v1.Label'),
  Expired: root.lookupType('ringside.v1.Expired'),
  SensorBatch: root.lookupType('ringside.v1.SensorBatch'),
};
// int64 as decimal strings: nanosecond times do not fit a double.
const TO_OBJECT = { longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true };

const TOKENS = {
  alice: 'test-alice-0123456789abcdef',
  bob: 'test-bob-0123456789abcdef',
  carol: 'test-carol-0123456789abcdef',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) {
  console.log(`[${new Date().toISOString()}]`, ...args);
}

function canBind(port, kind) {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    } else {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => { sock.close(); resolve(false); });
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    }
  });
}

// A loopback port free for both TCP and UDP right now, chosen below the
// kernel's ephemeral range (32768 and up), so that the source ports of
// sockets other tests open meanwhile cannot take it.
const handedOut = new Set();
async function freePort() {
  for (let i = 0; i < 1000; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    if (await canBind(port, 'tcp') && await canBind(port, 'udp')) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port between 20000 and 32000');
}

// Polls FN until it returns a truthy value or TIMEOUTMS pass.
async function waitFor(what, fn, timeoutMs = 10000, everyMs = 50) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (last instanceof Error ? `: ${last.message}` : ''));
    }
    await sleep(everyMs);
  }
}

// OPTIONS go to http(s).get: headers, and for https ca or rejectUnauthorized.
function httpGet(url, timeoutMs = 2000, options = {}) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    // agent: false: a fresh connection each time; an idle keep-alive one may
    // be closed by the server just as it is reused.
    const req = mod.get(url, { timeout: timeoutMs, agent: false, ...options }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// A child process whose output goes to DIR/NAME.log.
function startProcess(dir, name, cmd, args) {
  const logPath = path.join(dir, `${name}.log`);
  const out = fs.openSync(logPath, 'a');
  const proc = spawn(cmd, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  proc.logPath = logPath;
  proc.exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  return proc;
}

async function stopProcess(proc, signal = 'SIGTERM', timeoutMs = 8000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc && proc.exited;
  proc.kill(signal);
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const r = await proc.exited;
  clearTimeout(t);
  return r;
}

// Sanitizer reports (ASan, LSan, UBSan) in the logs of DIR: a ringsided
// or client built by `make check-sanitize` that reported one fails its
// test even if it went on running.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;
function sanitizerReports(dir) {
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.log'))) {
    const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
    const i = lines.findIndex((l) => SANITIZER_REPORT.test(l));
    if (i >= 0) found.push(`----- ${f} -----\n${lines.slice(Math.max(0, i - 2), i + 60).join('\n')}`);
  }
  return found;
}

// EXTRAARGS are more redis-server arguments (e.g. an ACL --user line);
// CLIENTOPTS go to the test's own ioredis client (e.g. its password).
async function startRedis(dir, port, extraArgs = [], clientOpts = {}) {
  const proc = startProcess(dir, 'redis', 'redis-server', ['--port', String(port),
    '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs]);
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true,
    maxRetriesPerRequest: 1, retryStrategy: () => 100, ...clientOpts });
  client.on('error', () => {}); // retried; failures surface in waits
  await waitFor('redis-server to answer PING', async () => {
    if (client.status !== 'ready') await client.connect().catch(() => {});
    return (await client.ping()) === 'PONG';
  }, 10000);
  return { proc, client, port };
}

// o.roles: {carol: 'expert'} gives a [reviewer] a role.
function roleLine(o, name) {
  return o.roles && o.roles[name] ? `role = ${o.roles[name]}` : '';
}

// The default test config: live test sources, one group "g". o.groupConf:
// more lines for [group g] (the label template keys, docs/labels.md).
function defaultConfig(p, o) {
  const classes = (o.classes || ['none', 'square', 'circle']).join(',');
  return `[daemon]
listen = 127.0.0.1:${p.http}
${o.sendQueueBytes ? `send_queue_bytes = ${o.sendQueueBytes}` : ''}
${o.maxMessagesPerSecond ? `max_messages_per_second = ${o.maxMessagesPerSecond}` : ''}
${o.daemonConf || ''}

[redis]
port = ${p.redis}
label_stream = ${o.labelStream || 'ringside:labels'}
expired_stream = ${o.expiredStream || 'ringside:expired'}
${o.redisConf || ''}
${o.spoolDir ? `\n[spool]\ndir = ${o.spoolDir}\n` : ''}

[source cam]
kind = video
pipeline = videotestsrc is-live=true pattern=ball
width = 160
height = 120
fps = 10
ring_seconds = 20

[source mic]
kind = audio
pipeline = audiotestsrc is-live=true wave=sine freq=440
sample_rate = 16000
ring_seconds = 20

[source imu]
kind = sensor
listen = 127.0.0.1:${p.sensor}
channels = ax,ay,az
ring_seconds = 20

[group g]
sources = cam,mic,imu
window_seconds = ${o.windowSeconds || 1}
every_seconds = ${o.everySeconds || 2}
lateness_ms = ${o.latenessMs || 500}
classes = ${classes}
multi_label = ${o.multiLabel ? 'true' : 'false'}
time_box_seconds = ${o.timeBoxSeconds || 30}
max_attempts = ${o.maxAttempts || 2}
queue_max = ${o.queueMax || 8}
queue_timeout_seconds = ${o.queueTimeoutSeconds || 60}
${o.groupConf || ''}

[reviewer alice]
token = ${TOKENS.alice}
${roleLine(o, 'alice')}

[reviewer bob]
token = ${TOKENS.bob}
${roleLine(o, 'bob')}

[reviewer carol]
token = ${TOKENS.carol}
${roleLine(o, 'carol')}
`;
}

// Starts redis-server, a sensor feeder and ringsided. OPTS: name,
// config(ports) -> text (to replace the default), and the defaultConfig
// knobs (timeBoxSeconds, maxAttempts, windowSeconds, everySeconds, ...).
async function startStack(opts = {}) {
  const name = opts.name || 'test';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ringside-${name}-`));
  const ports = { redis: await freePort(), http: await freePort(), sensor: await freePort() };
  const stack = { dir, ports, tokens: TOKENS, procs: [] };
  attach(stack);
  // spoolDir: true puts the spool in the stack's directory.
  if (opts.spoolDir === true) opts = { ...opts, spoolDir: path.join(dir, 'spool') };
  stack.spoolDir = opts.spoolDir || null;
  const confText = opts.config ? opts.config(ports) : defaultConfig(ports, opts);
  stack.confPath = path.join(dir, 'ringside.conf');
  fs.writeFileSync(stack.confPath, confText);
  // opts.tls: {ca} (or {rejectUnauthorized: false}) for a daemon with
  // tls_cert/tls_key in opts.daemonConf; https and wss from then on.
  stack.tls = opts.tls || null;
  stack.httpUrl = `${stack.tls ? 'https' : 'http'}://127.0.0.1:${ports.http}`;
  stack.wsUrl = `${stack.tls ? 'wss' : 'ws'}://127.0.0.1:${ports.http}/`;
  log(`stack ${name} in ${dir}: redis ${ports.redis}, http ${ports.http}, sensor ${ports.sensor}`);

  stack.stop = async () => {
    if (stack.stopped) return stack.stopped;
    for (const r of stack.reviewers || []) r.close();
    const results = {};
    if (stack.daemon) results.daemon = await stopProcess(stack.daemon);
    if (stack.sensor) await stopProcess(stack.sensor);
    if (stack.redis) {
      stack.redis.client.disconnect();
      await stopProcess(stack.redis.proc);
    }
    stack.stopped = results;
    // Read before the directory goes; a crash is a failure in any build.
    const reports = sanitizerReports(dir);
    const d = results.daemon;
    if (d && ['SIGABRT', 'SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE'].includes(d.sig)) {
      reports.push(`ringsided died of ${d.sig}`);
    }
    if (!process.env.RINGSIDE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    if (reports.length) throw new Error(`sanitizer report or crash:\n${reports.join('\n')}`);
    return results;
  };

  try {
    stack.redis = await startRedis(dir, ports.redis, opts.redisArgs, opts.redisClient);
    stack.client = stack.redis.client;
    if (opts.sensor !== false) {
      stack.sensor = startProcess(dir, 'sensor', path.join(BIN, 'ringside-sensor'),
        ['--to', `127.0.0.1:${ports.sensor}`, '--channels', 'ax,ay,az', '--rate', '200',
          '--test-signal', 'spikes', '--device', 'test-imu']);
    }
    await stack.startDaemon();
  } catch (e) {
    await stack.dumpLogs();
    await stack.stop();
    throw e;
  }
  return stack;
}

// Methods attached to every stack.
function attach(stack) {
  stack.startDaemon = async () => {
    stack.daemon = startProcess(stack.dir, 'ringsided', RINGSIDED, ['-c', stack.confPath]);
    await waitFor('ringsided /healthz', async () => {
      if (stack.daemon.exitCode !== null) {
        throw new Error(`ringsided exited with ${stack.daemon.exitCode}:\n` +
          fs.readFileSync(stack.daemon.logPath, 'utf8'));
      }
      const r = await httpGet(`${stack.httpUrl}/healthz`, 2000, stack.tls || {});
      return r.status === 200;
    }, 15000);
  };
  stack.dumpLogs = async () => {
    for (const f of fs.readdirSync(stack.dir).filter((x) => x.endsWith('.log'))) {
      const text = fs.readFileSync(path.join(stack.dir, f), 'utf8');
      console.log(`----- ${f} (last 60 lines) -----\n` +
        text.split('\n').slice(-60).join('\n'));
    }
  };
  stack.daemonLog = () => fs.readFileSync(stack.daemon.logPath, 'utf8');
  // Entries of STREAM decoded: [{streamId, fields, pb (decoded object)}].
  stack.readStream = async (stream, type = T.Label) => {
    const entries = await stack.client.xrangeBuffer(stream, '-', '+');
    return entries.map(([id, flat]) => {
      const fields = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i].toString()] = flat[i + 1];
      const kind = fields.type && fields.type.toString();
      const msgType = kind === 'expired' ? T.Expired : type;
      const pb = fields.pb ? msgType.toObject(msgType.decode(fields.pb), TO_OBJECT) : null;
      const text = {};
      for (const [k, v] of Object.entries(fields)) if (k !== 'pb') text[k] = v.toString();
      return { streamId: id.toString(), fields: text, pb };
    });
  };
  stack.waitForStream = async (stream, n, { timeoutMs = 15000 } = {}) =>
    waitFor(`${n} entries in ${stream}`, async () => {
      const e = await stack.readStream(stream);
      return e.length >= n ? e : null;
    }, timeoutMs, 100);
  stack.waitForLabels = async (n, o = {}) => {
    const e = await stack.waitForStream('ringside:labels', n, o);
    return e.map((x) => ({ streamId: x.streamId, fields: x.fields, label: x.pb }));
  };
  stack.reviewer = async (who, o = {}) => {
    const r = new Reviewer(stack.wsUrl, o.token || TOKENS[who] || who, stack.tls || {});
    stack.reviewers = stack.reviewers || [];
    stack.reviewers.push(r);
    await r.open();
    return r;
  };
}

// A reviewer over a real websocket: sends ClientMessages, queues every
// ServerMessage so a test can wait for the next one of a kind.
class Reviewer {
  // WSOPTIONS go to the ws client (headers, ca, ...).
  constructor(url, token, wsOptions = {}) {
    this.url = url;
    this.token = token;
    this.wsOptions = wsOptions;
    this.inbox = [];
    this.waiters = [];
    this.closed = null;
  }

  async open({ hello = true } = {}) {
    this.ws = new WebSocket(this.url, 'ringside.v1', this.wsOptions);
    this.ws.binaryType = 'nodebuffer';
    this.closedP = new Promise((resolve) => this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      resolve(this.closed);
      this.flush();
    }));
    this.ws.on('message', (data, isBinary) => {
      const m = T.ServerMessage.toObject(T.ServerMessage.decode(data), TO_OBJECT);
      m.raw = data;
      this.inbox.push(m);
      this.flush();
    });
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    if (hello) this.send({ hello: { token: this.token, client: 'ringside-test/1' } });
  }

  flush() {
    for (const w of this.waiters.slice()) {
      const i = this.inbox.findIndex((m) => w.kinds.includes(m.msg));
      if (i >= 0) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(this.inbox.splice(i, 1)[0]);
      } else if (this.closed) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.reject(new Error(`connection closed (${this.closed.code} ${this.closed.reason}) ` +
          `while waiting for ${w.kinds.join('|')}`));
      }
    }
  }

  // The next server message of one of KINDS ('task', 'ack', ...).
  next(kinds, timeoutMs = 15000) {
    kinds = [].concat(kinds);
    return new Promise((resolve, reject) => {
      const w = { kinds, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no ${kinds.join('|')} within ${timeoutMs} ms ` +
          `(inbox: ${this.inbox.map((m) => m.msg).join(',') || 'empty'})`));
      }, timeoutMs);
      this.waiters.push(w);
      this.flush();
    });
  }

  send(obj) {
    this.sendRaw(T.ClientMessage.encode(T.ClientMessage.fromObject(obj)).finish());
  }

  sendRaw(buf) {
    this.ws.send(buf, { binary: true });
  }

  submit(label) {
    this.send({ submit: { label } });
  }

  close() {
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000);
  }
}

let labelSeq = 0;
function labelId() {
  labelSeq += 1;
  return `test-${process.pid}-${Date.now()}-${labelSeq}`;
}

// Launches Debian's chromium headless with the flags this machine needs.
async function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

// Runs an async test body with a stack; prints a ctest-friendly verdict.
async function runTest(name, opts, body) {
  const t0 = Date.now();
  let stack;
  let failed = null;
  try {
    stack = await startStack({ name, ...opts });
    await body(stack);
  } catch (e) {
    failed = e;
  }
  if (failed && stack) await stack.dumpLogs();
  if (stack) {
    try {
      await stack.stop();
    } catch (e) {
      failed = failed || e;
    }
  }
  if (failed) {
    console.error(`FAIL ${name}: ${failed.stack || failed}`);
    process.exit(1);
  }
  log(`PASS ${name} (${Date.now() - t0} ms)`);
  process.exit(0);
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

function assertEq(actual, expected, msg) {
  const big = (k, v) => (typeof v === 'bigint' ? `${v}n` : v);
  const a = JSON.stringify(actual, big);
  const e = JSON.stringify(expected, big);
  if (a !== e) throw new Error(`${msg}: expected ${e}, got ${a}`);
}

module.exports = {
  T, TO_OBJECT, TOKENS, SRC, RINGSIDED, BIN,
  startStack, Reviewer, launchChromium, runTest, waitFor, httpGet,
  freePort, sleep, log, labelId, assert, assertEq, startProcess, stopProcess, startRedis,
};
