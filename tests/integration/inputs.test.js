// Real inputs end to end, one stack after another: RTSP from
// tests/tools/rtsp-serve (MJPEG, VP8 and L16 audio), RTP over UDP described
// by an SDP file plus live Opus through a pipeline= with rtpbin, and a WebM
// and an Ogg file made here with gst-launch-1.0. Every source must put
// frames or chunks into a reviewer's task with plausible capture times;
// network sources must take them from the sender's RTCP sender reports.
// The senders hold their media back (a queue with min-threshold-time) after
// capture, so the delay is known: audio ticks must land within 2 ms of the
// instant the sender captured them, while the same stream stamped on
// arrival (clock = pipeline) is off by about the delay.
'use strict';
const { execFileSync } = require('child_process');
const dgram = require('dgram');
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../lib/harness');

const RTSP_SERVE = process.env.RTSP_SERVE ||
  path.join(path.dirname(h.BIN), 'tests/tools/rtsp-serve');
const TOKEN = h.TOKENS.alice;
// Sender-side hold-back after capture; arrival stamping is late by at least this.
const HOLD_MS = 150;
const hold = `queue min-threshold-time=${HOLD_MS * 1000000} max-size-time=0 ` +
  'max-size-buffers=0 max-size-bytes=0';
// Ticks every 500 ms, 5 ms of 2 kHz. audiotestsrc (1.22) starts each tick
// one buffer before the interval mark: at 16 kHz with 320-sample buffers
// the first loud sample is 7681, 15681, ... (sample k * 8000 - 320 is 0).
const TICK_NS = 500000000n;
const TICK_SPB = 320;
const ticks = `audiotestsrc is-live=true wave=ticks tick-interval=${TICK_NS} freq=2000 ` +
  `sine-periods-per-tick=10 samplesperbuffer=${TICK_SPB}`;

function group(sources, extra = '') {
  return `[group g]
sources = ${sources.join(',')}
window_seconds = 1
every_seconds = 2
lateness_ms = 1000
classes = a,b
queue_max = 1
${extra}
[reviewer alice]
token = ${TOKEN}
`;
}

function header(p) {
  return `[daemon]
listen = 127.0.0.1:${p.http}

[redis]
port = ${p.redis}

`;
}

async function metrics(stack) {
  return (await h.httpGet(`${stack.httpUrl}/metrics`)).body;
}

function metricValue(text, name, source) {
  const m = text.match(new RegExp(`^${name}\\{source="${source}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

// Waits until every source in CLOCKS ({name: 'rtcp'|'pipeline'}) reports
// that clock in ringside_source_clock and has delivered samples.
async function waitClocks(stack, clocks, timeoutMs = 15000) {
  return h.waitFor(`clocks ${JSON.stringify(clocks)}`, async () => {
    const text = await metrics(stack);
    for (const [src, clock] of Object.entries(clocks)) {
      if (!text.includes(`ringside_source_clock{source="${src}",clock="${clock}"} 1`)) return null;
      if (!(metricValue(text, 'ringside_source_samples_total', src) > 0)) return null;
    }
    return text;
  }, timeoutMs, 200);
}

// The first task for a window starting at or after MINNS (UNIX ns, BigInt);
// earlier ones are declined.
async function taskFrom(r, minNs) {
  for (let i = 0; i < 8; i++) {
    const { task } = await r.next('task', 15000);
    if (BigInt(task.window.startNs) >= minNs) return task;
    r.send({ decline: { windowId: task.window.id } });
  }
  throw new Error('no window after the clock switch');
}

function byName(task) {
  return Object.fromEntries(task.window.sources.map((s) => [s.source, s]));
}

// Frames are JPEGs inside the window, in capture order, about FPS per second.
function checkFrames(task, name, fps) {
  const s = byName(task)[name];
  const start = BigInt(task.window.startNs);
  const end = BigInt(task.window.endNs);
  h.assert(s, `${name} is in the window`);
  h.assert(s.frames.length >= fps * 0.6 && s.frames.length <= fps + 2,
    `${name}: ${s.frames.length} frames in 1 s at ${fps} fps`);
  let prev = 0n;
  for (const f of s.frames) {
    h.assert(f.jpeg[0] === 0xff && f.jpeg[1] === 0xd8, `${name}: frame is a JPEG`);
    const t = BigInt(f.tNs);
    h.assert(t > start - 200000000n && t < end, `${name}: frame time ${t} in the window`);
    h.assert(t > prev, `${name}: frame times increase`);
    prev = t;
  }
}

// Chunks are 20 ms of S16LE at RATE covering the window, back to back
// unless GAPS (arrival stamps of RTP follow the jitterbuffer's clock
// estimate, which moves while it settles; the chunking re-anchors then).
function checkChunks(task, name, rate, gaps = false, min = 45) {
  const s = byName(task)[name];
  h.assert(s, `${name} is in the window`);
  h.assertEq(s.sampleRate, rate, `${name}: sample rate`);
  h.assert(s.chunks.length >= min && s.chunks.length <= 52, `${name}: ${s.chunks.length} chunks`);
  for (const c of s.chunks) h.assertEq(c.pcm.length, (rate / 50) * 2, `${name}: chunk size`);
  for (let i = 1; i < s.chunks.length && !gaps; i++) {
    const gap = BigInt(s.chunks[i].tNs) - BigInt(s.chunks[i - 1].tNs);
    h.assertEq(gap, 20000000n, `${name}: chunk ${i} follows its predecessor by 20 ms`);
  }
  return s;
}

// Capture-time error of each tick in NAME's chunks (ms; + = stamped late):
// a tick starts at the first loud sample after quiet ones, at sample
// n = k * rate * TICK - TICK_SPB + 1 of the sender's source, which was
// captured at STAMP.capture + (n - STAMP.offset) / rate.
function tickErrors(task, name, rate, stamp) {
  const s = byName(task)[name];
  const errs = [];
  let quiet = 0;
  for (const c of s.chunks) {
    for (let i = 0; i < c.pcm.length / 2; i++) {
      const v = Math.abs(c.pcm.readInt16LE(i * 2));
      if (v > 3000 && quiet >= 40) {
        const t = BigInt(c.tNs) + (BigInt(i) * 1000000000n) / BigInt(rate);
        const lead = BigInt(stamp.offset + TICK_SPB - 1) * 1000000000n / BigInt(rate);
        const rel = t - stamp.capture + lead;
        const k = (rel + TICK_NS / 4n) / TICK_NS; // errors in [-125, 375) ms
        errs.push(Number(rel - k * TICK_NS) / 1e6);
      }
      quiet = v <= 3000 ? quiet + 1 : 0;
    }
  }
  return errs;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function mkdir(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ringside-inputs-${name}-`));
}

// Two consecutive free UDP ports (RTP on an even one, RTCP on the next).
async function udpPair() {
  for (let i = 0; i < 20; i++) {
    const p = 20000 + 2 * Math.floor(Math.random() * 20000);
    const socks = [dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    const ok = await Promise.all(socks.map((s, k) => new Promise((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(p + k, '127.0.0.1', () => resolve(true));
    })));
    await Promise.all(socks.map((s) => new Promise((resolve) => {
      try { s.close(resolve); } catch (e) { resolve(); }
    })));
    if (ok.every(Boolean)) return p;
  }
  throw new Error('no free UDP port pair');
}

// Runs BODY with a throwaway directory for senders and media; on failure
// prints their logs and the stack's.
async function withStack(name, body) {
  const dir = mkdir(name);
  const ctx = { dir, procs: [], stack: null };
  const t0 = Date.now();
  try {
    await body(ctx);
    h.log(`ok ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.log'))) {
      console.log(`----- ${f} -----\n${fs.readFileSync(path.join(dir, f), 'utf8').slice(-3000)}`);
    }
    if (ctx.stack) await ctx.stack.dumpLogs();
    throw new Error(`${name}: ${e.stack || e}`);
  } finally {
    if (ctx.stack) await ctx.stack.stop();
    for (const p of ctx.procs) await h.stopProcess(p);
    if (!process.env.RINGSIDE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// RTSP: MJPEG and VP8 video and L16 audio, each held back HOLD_MS after
// capture by the sender. The audio is read twice: once with the sender's
// reports (clock = auto) and once stamped on arrival (clock = pipeline).
async function rtsp() {
  await withStack('rtsp', async (ctx) => {
    const video = (enc, pay) => `( videotestsrc is-live=true pattern=ball ` +
      `! video/x-raw,format=I420,width=160,height=120,framerate=15/1 ! ${enc} ! ${hold} ` +
      `! ${pay} name=pay0 )`;
    const server = h.startProcess(ctx.dir, 'rtsp-serve', RTSP_SERVE, ['0',
      '/cam', video('jpegenc', 'rtpjpegpay'),
      '/vp8', video('vp8enc deadline=1', 'rtpvp8pay'),
      '/mic', `( ${ticks} name=stamp ! audio/x-raw,rate=16000,channels=1 ! ${hold} ` +
        '! audioconvert ! rtpL16pay name=pay0 )']);
    ctx.procs.push(server);
    const url = await h.waitFor('rtsp-serve to listen', () => {
      const m = fs.readFileSync(server.logPath, 'utf8').match(/rtsp:\/\/127\.0\.0\.1:\d+/);
      return m && m[0];
    }, 10000);

    ctx.stack = await h.startStack({
      name: 'inputs-rtsp',
      sensor: false,
      config: (p) => `${header(p)}[source cam]
kind = video
uri = ${url}/cam
width = 160
height = 120
fps = 10

[source vp8]
kind = video
uri = ${url}/vp8
width = 160
height = 120
fps = 10

[source mic]
kind = audio
uri = ${url}/mic
sample_rate = 16000

[source mic_arrival]
kind = audio
uri = ${url}/mic
sample_rate = 16000
clock = pipeline

${group(['cam', 'vp8', 'mic', 'mic_arrival'])}`,
    });
    const text = await waitClocks(ctx.stack, { cam: 'rtcp', vp8: 'rtcp', mic: 'rtcp',
      mic_arrival: 'pipeline' });
    const switched = BigInt(Date.now()) * 1000000n;
    const log = ctx.stack.daemonLog();
    h.assert(/source cam: capture times from RTCP sender reports \(offset to arrival -?[\d.]+ ms\)/
      .test(log), 'the switch to sender reports is logged');
    // Reference minus pipeline time; its size follows the jitterbuffer's
    // clock estimate, the capture delay below is the robust measure.
    for (const src of ['cam', 'vp8', 'mic']) {
      const off = metricValue(text, 'ringside_source_clock_offset_seconds', src);
      h.assert(Math.abs(off) < 2, `${src}: clock offset ${off} s`);
    }

    const r = await ctx.stack.reviewer('alice');
    const task = await taskFrom(r, switched);
    checkFrames(task, 'cam', 10);
    checkFrames(task, 'vp8', 10);
    checkChunks(task, 'mic', 16000);
    checkChunks(task, 'mic_arrival', 16000, true);

    // The sender says when sample OFFSET of its tick source was captured.
    const m = fs.readFileSync(server.logPath, 'utf8')
      .match(/\/mic stamp capture_ns=(\d+) offset=(\d+) rate=16000/);
    h.assert(m, 'rtsp-serve printed the capture time of its first audio buffer');
    const stamp = { capture: BigInt(m[1]), offset: Number(m[2]) };
    const rtcpErr = tickErrors(task, 'mic', 16000, stamp);
    const arrivalErr = tickErrors(task, 'mic_arrival', 16000, stamp);
    h.log(`audio tick capture-time error, ms: RTCP ${rtcpErr.map((e) => e.toFixed(3))}; ` +
      `arrival ${arrivalErr.map((e) => e.toFixed(3))}`);
    h.assert(rtcpErr.length >= 2 && arrivalErr.length >= 2, 'ticks found in both');
    for (const e of rtcpErr) h.assert(Math.abs(e) < 2, `RTCP tick error ${e} ms within 2 ms`);
    // Arrival stamps follow the jitterbuffer's estimate of the sender's
    // clock, which starts early by up to tens of ms and then settles.
    h.assert(median(arrivalErr) > HOLD_MS / 2,
      `arrival stamping is late by about the hold-back (${median(arrivalErr)} ms)`);

    // Video: arrival minus capture is at least the sender's hold-back.
    const after = await metrics(ctx.stack);
    for (const src of ['cam', 'vp8']) {
      const d = metricValue(after, 'ringside_source_capture_delay_seconds', src);
      h.assert(d > (HOLD_MS / 1000) * 0.8 && d < 2, `${src}: capture delay ${d} s`);
    }
  });
}

// RTP over UDP from gst-launch-1.0: VP8 described by an SDP file (uri=sdp://),
// Opus received by a pipeline= with rtpbin; both with RTCP.
async function rtp() {
  await withStack('rtp', async (ctx) => {
    const v = await udpPair();
    const a = await udpPair();
    const sdp = path.join(ctx.dir, 'stream.sdp');
    fs.writeFileSync(sdp, `v=0
o=- 0 0 IN IP4 127.0.0.1
s=ringside test
c=IN IP4 127.0.0.1
t=0 0
m=video ${v} RTP/AVP 96
a=rtpmap:96 VP8/90000
`);
    const sender = h.startProcess(ctx.dir, 'sender', 'gst-launch-1.0', ['-q',
      ...`rtpbin name=rb rtcp-sync-send-time=false
 videotestsrc is-live=true pattern=ball ! video/x-raw,width=160,height=120,framerate=15/1
 ! vp8enc deadline=1 ! ${hold} ! rtpvp8pay pt=96 ! rb.send_rtp_sink_0
 rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port=${v}
 rb.send_rtcp_src_0 ! udpsink host=127.0.0.1 port=${v + 1} sync=false async=false
 ${ticks} ! audio/x-raw,rate=48000,channels=1 ! opusenc ! ${hold} ! rtpopuspay pt=97
 ! rb.send_rtp_sink_1
 rb.send_rtp_src_1 ! udpsink host=127.0.0.1 port=${a}
 rb.send_rtcp_src_1 ! udpsink host=127.0.0.1 port=${a + 1} sync=false async=false`
        .split(/\s+/).filter(Boolean)]);
    ctx.procs.push(sender);

    const caps = 'application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=97';
    ctx.stack = await h.startStack({
      name: 'inputs-rtp',
      sensor: false,
      config: (p) => `${header(p)}[source cam]
kind = video
uri = sdp://${sdp}
width = 160
height = 120
fps = 10

[source mic]
kind = audio
pipeline = rtpbin name=rb add-reference-timestamp-meta=true latency=200 udpsrc port=${a} caps="${caps}" ! rb.recv_rtp_sink_0 udpsrc port=${a + 1} ! rb.recv_rtcp_sink_0 rb. ! rtpopusdepay ! opusdec
sample_rate = 48000

${group(['cam', 'mic'])}`,
    });
    await waitClocks(ctx.stack, { cam: 'rtcp', mic: 'rtcp' });
    const switched = BigInt(Date.now()) * 1000000n;
    const r = await ctx.stack.reviewer('alice');
    const task = await taskFrom(r, switched);
    checkFrames(task, 'cam', 10);
    checkChunks(task, 'mic', 48000);
    const text = await metrics(ctx.stack);
    for (const src of ['cam', 'mic']) {
      const d = metricValue(text, 'ringside_source_capture_delay_seconds', src);
      h.assert(d > (HOLD_MS / 1000) * 0.8 && d < 2, `${src}: capture delay ${d} s`);
    }
  });
}

// Files: WebM (VP8 + Opus) read by a video and an audio source, and Ogg
// Vorbis; played in real time on the pipeline clock.
async function files() {
  await withStack('files', async (ctx) => {
    const webm = path.join(ctx.dir, 'av.webm');
    const ogg = path.join(ctx.dir, 'a.ogg');
    const gst = (desc) => execFileSync('gst-launch-1.0', ['-q', ...desc.split(/\s+/)],
      { timeout: 30000 });
    gst(`videotestsrc num-buffers=150 pattern=ball ! video/x-raw,width=160,height=120,framerate=15/1
      ! vp8enc deadline=1 ! webmmux name=m ! filesink location=${webm}
      audiotestsrc num-buffers=500 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1
      ! opusenc ! m.`.trim());
    gst(`audiotestsrc num-buffers=250 samplesperbuffer=1600 wave=ticks
      ! audio/x-raw,rate=16000,channels=1 ! audioconvert ! vorbisenc ! oggmux
      ! filesink location=${ogg}`.trim());

    ctx.stack = await h.startStack({
      name: 'inputs-files',
      sensor: false,
      config: (p) => `${header(p)}[source cam]
kind = video
uri = file://${webm}
width = 160
height = 120
fps = 10

[source mic]
kind = audio
uri = file://${webm}
sample_rate = 16000

[source ogg]
kind = audio
uri = file://${ogg}
sample_rate = 16000

${group(['cam', 'mic', 'ogg'])}`,
    });
    await waitClocks(ctx.stack, { cam: 'pipeline', mic: 'pipeline', ogg: 'pipeline' });
    const r = await ctx.stack.reviewer('alice');
    const { task } = await r.next('task', 15000);
    const now = BigInt(Date.now()) * 1000000n;
    // Live time, not the file's own (which starts at 0): the first window
    // offered is the oldest still queued, so allow for a slow start; and a
    // buffer covers its duration from the moment it is played, so a window
    // can be complete a little before its end on the wall clock.
    h.assert(BigInt(task.window.endNs) <= now + 1000000000n
      && BigInt(task.window.startNs) > now - 120000000000n,
      `the window is from the last two minutes (starts ${task.window.startNs}, now ${now})`);
    // A file plays on the clock and late buffers are dropped: on a loaded
    // machine (the sanitizer suite) some are, so only part of each second
    // is asserted, and holes are allowed.
    checkFrames(task, 'cam', 10);
    checkChunks(task, 'mic', 16000, true, 20);
    checkChunks(task, 'ogg', 16000, true, 20);
  });
}

(async () => {
  const t0 = Date.now();
  try {
    await rtsp();
    await rtp();
    await files();
  } catch (e) {
    console.error(`FAIL inputs: ${e.stack || e}`);
    process.exit(1);
  }
  h.log(`PASS inputs (${Date.now() - t0} ms)`);
  process.exit(0);
})();
