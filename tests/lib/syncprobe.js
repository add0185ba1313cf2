// Sync probe: three separate ringside-scene processes (video, audio, sensor)
// put a marker on every whole second of the UNIX timeline over paths of
// different delays, with the sensor on an offset, drifting clock; ringsided
// receives them (RTP + RTCP sender reports, sensor clock estimate) and this
// module finds where the markers land in the windows a reviewer is given.
// Shared by tests/integration/sync_probe.test.js and bench/sync_probe.js.
'use strict';

const { execFile } = require('child_process');
const dgram = require('dgram');
const fs = require('fs');
const path = require('path');
const h = require('./harness');

const MARKER_MS = 1000;
const FPS = 15;
const RATE = 16000;
const WIDTH = 160;
const HEIGHT = 120;
const WINDOW_S = 2;
// Transport delays of the three senders and the sensor's clock error.
const DELAY_MS = { video: 120, audio: 40, sensor: 10 };
// The offset is not a whole number of marker periods: a sensor whose clock
// is not mapped at all shows its spikes 250 ms away from every marker.
const CLOCK_OFFSET_MS = 5250;
const DRIFT_PPM = 100;
// Thresholds: a marker frame is white (mean luma ~235, else ~16); a click
// is a +20000 step over a noise floor of sigma 16; a spike adds 8 to accel_x
// (else 0 +- 0.02).
const LUMA_MARKER = 128;
const AUDIO_MARKER = 10000;
const SENSOR_MARKER = 4;
// A marker is looked for this far either side of its true instant.
const SEARCH_NS = 400000000n;

const VIDEO_CAPS = 'application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26';
const AUDIO_CAPS = 'application/x-rtp,media=audio,clock-rate=16000,encoding-name=L16,' +
  'encoding-params=1,channels=1,payload=96';

// An even UDP port P with P and P + 1 free on 127.0.0.1 (RTP and RTCP).
async function udpPortPair() {
  const tryBind = (port) => new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(null));
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
  for (let i = 0; i < 200; i++) {
    const p = 20000 + 2 * Math.floor(Math.random() * 20000);
    const a = await tryBind(p);
    if (!a) continue;
    const b = await tryBind(p + 1);
    a.close();
    if (b) {
      b.close();
      return p;
    }
  }
  throw new Error('no free UDP port pair');
}

// Ports of the probe: RTP (+1 RTCP) for each receiving media source, UDP
// for each sensor source. "arrival" sources get the same streams and stamp
// them on arrival (clock=pipeline): the baseline.
async function probePorts() {
  return {
    cam: await udpPortPair(),
    mic: await udpPortPair(),
    camArrival: await udpPortPair(),
    micArrival: await udpPortPair(),
    imu: await udpPortPair(),
    imuRaw: await udpPortPair(),
  };
}

// The daemon's config. cam/mic take capture times from RTCP sender reports
// (clock=auto with rtpbin add-reference-timestamp-meta=true); imu maps the
// device clock by estimate, with the path's known fixed delay in offset_ms
// (a constant delay and a clock offset cannot be told apart from arrival
// times alone). With EXTRA, imu_raw (the estimate without offset_ms) is
// added to show that delay.
function probeConfig(p, pp, { extra = false } = {}) {
  const rtpbin = (port, caps, depay) => `udpsrc address=127.0.0.1 port=${port} caps="${caps}" ` +
    `! rtpbin.recv_rtp_sink_0 udpsrc address=127.0.0.1 port=${port + 1} ` +
    '! rtpbin.recv_rtcp_sink_0 rtpbin name=rtpbin latency=50 ' +
    `add-reference-timestamp-meta=true ! ${depay}`;
  const plain = (port, caps, depay) => `udpsrc address=127.0.0.1 port=${port} caps="${caps}" ` +
    `! rtpjitterbuffer latency=50 ! ${depay}`;
  const video = `kind = video\nwidth = ${WIDTH}\nheight = ${HEIGHT}\nfps = ${FPS}\nring_seconds = 30\n`;
  const audio = `kind = audio\nsample_rate = ${RATE}\nring_seconds = 30\n`;
  const sensor = 'kind = sensor\nchannels = accel_x,accel_y,accel_z\nclock = estimate\nring_seconds = 30\n';
  const sources = ['cam', 'mic', 'imu', 'cam_arrival', 'mic_arrival'];
  if (extra) sources.push('imu_raw');
  return `[daemon]
listen = 127.0.0.1:${p.http}

[redis]
port = ${p.redis}

[source cam]
${video}clock = auto
pipeline = ${rtpbin(pp.cam, VIDEO_CAPS, 'rtpjpegdepay ! jpegdec')}

[source mic]
${audio}clock = auto
pipeline = ${rtpbin(pp.mic, AUDIO_CAPS, 'rtpL16depay')}

[source imu]
${sensor}listen = 127.0.0.1:${pp.imu}
offset_ms = -${DELAY_MS.sensor}

[source cam_arrival]
${video}clock = pipeline
pipeline = ${plain(pp.camArrival, VIDEO_CAPS, 'rtpjpegdepay ! jpegdec')}

[source mic_arrival]
${audio}clock = pipeline
pipeline = ${plain(pp.micArrival, AUDIO_CAPS, 'rtpL16depay')}
${extra ? `
[source imu_raw]
${sensor}listen = 127.0.0.1:${pp.imuRaw}
` : ''}
[group probe]
sources = ${sources.join(',')}
window_seconds = ${WINDOW_S}
every_seconds = ${WINDOW_S}
lateness_ms = 1500
classes = none,marker
time_box_seconds = 30
queue_max = 64
queue_timeout_seconds = 120

[reviewer alice]
token = ${h.TOKENS.alice}
`;
}

// Starts the three senders, one process per modality, each over its own
// delay; media go to both the RTCP-timed and the arrival-timed source.
function startSenders(stack, pp, { extra = false } = {}) {
  const scene = path.join(h.BIN, 'ringside-scene');
  const common = ['--markers', String(MARKER_MS)];
  const media = [...common, '--rtcp', '--width', String(WIDTH), '--height', String(HEIGHT),
    '--fps', String(FPS), '--rate', String(RATE)];
  const sensorTo = [`127.0.0.1:${pp.imu}`];
  if (extra) sensorTo.push(`127.0.0.1:${pp.imuRaw}`);
  const procs = [
    h.startProcess(stack.dir, 'scene-video', scene, [...media,
      '--video', `127.0.0.1:${pp.cam},127.0.0.1:${pp.camArrival}`,
      '--delay-ms', String(DELAY_MS.video)]),
    h.startProcess(stack.dir, 'scene-audio', scene, [...media,
      '--audio', `127.0.0.1:${pp.mic},127.0.0.1:${pp.micArrival}`,
      '--delay-ms', String(DELAY_MS.audio)]),
    h.startProcess(stack.dir, 'scene-sensor', scene, [...common,
      '--sensor', sensorTo.join(','), '--delay-ms', String(DELAY_MS.sensor),
      '--clock-offset-ms', String(CLOCK_OFFSET_MS), '--drift-ppm', String(DRIFT_PPM)]),
  ];
  stack.procs.push(...procs);
  return procs;
}

// Takes every task as the reviewer gets it, answers it at once (so the next
// comes) and keeps its data, until a window ends at or after UNTIL_NS.
// Returns the windows in order.
async function collectWindows(stack, untilNs, { timeoutMs = 15000, onWindow } = {}) {
  const r = await stack.reviewer('alice');
  await r.next('welcome');
  const windows = [];
  for (;;) {
    const { task } = await r.next('task', timeoutMs);
    const w = task.window;
    windows.push(w);
    if (onWindow) onWindow(w);
    r.submit({ labelId: h.labelId(), windowId: w.id, classes: ['none'] });
    const reply = await r.next(['ack', 'error']);
    if (reply.msg !== 'ack') throw new Error(`label refused: ${JSON.stringify(reply.error)}`);
    if (BigInt(w.endNs) >= untilNs) break;
  }
  r.close();
  return windows;
}

// Joins one source's data over consecutive windows (a sample overlapping
// two windows is in both: kept once), sorted by time.
function stitch(windows, source, field) {
  const byT = new Map();
  for (const w of windows) {
    const sd = w.sources.find((s) => s.source === source);
    if (!sd) continue;
    for (const x of sd[field] || []) byT.set(x.tNs, x);
  }
  return [...byT.values()].sort((a, b) => (BigInt(a.tNs) < BigInt(b.tNs) ? -1 : 1));
}

// Mean luma of each JPEG in FRAMES, decoded by GStreamer (jpegdec, scaled
// to 8x8 grey) in one gst-launch-1.0 run. Returns numbers in frame order.
async function frameLuma(dir, frames) {
  if (frames.length === 0) return [];
  const fdir = fs.mkdtempSync(path.join(dir, 'frames-'));
  frames.forEach((f, i) => fs.writeFileSync(path.join(fdir, `${String(i).padStart(6, '0')}.jpg`), f.jpeg));
  const out = path.join(fdir, 'grey.raw');
  await new Promise((resolve, reject) => {
    execFile('gst-launch-1.0', ['-q', 'multifilesrc', `location=${fdir}/%06d.jpg`, 'index=0',
      `stop-index=${frames.length - 1}`, 'caps=image/jpeg,framerate=1/1', '!', 'jpegdec', '!',
      'videoconvert', '!', 'videoscale', '!', 'video/x-raw,format=GRAY8,width=8,height=8', '!',
      'filesink', `location=${out}`], { timeout: 60000 },
    (err, stdout, stderr) => (err ? reject(new Error(`gst-launch-1.0: ${err.message}\n${stderr}`)) : resolve()));
  });
  const raw = fs.readFileSync(out);
  if (raw.length !== frames.length * 64) {
    throw new Error(`decoded ${raw.length / 64} of ${frames.length} frames`);
  }
  const luma = [];
  for (let i = 0; i < frames.length; i++) {
    let sum = 0;
    for (let j = 0; j < 64; j++) sum += raw[i * 64 + j];
    luma.push(sum / 64);
  }
  fs.rmSync(fdir, { recursive: true, force: true });
  return luma;
}

// Where the markers land in one source: a sorted list of the capture times
// (BigInt ns) of each marker's first evidence.
//   video: each frame whose mean luma is high and whose predecessor's is not;
//   audio: each sample over the threshold whose predecessor is not (its
//          time: chunk time + index / rate);
//   sensor: each reading whose accel_x is over the threshold.
async function markerTimes(dir, windows, source, kind) {
  const hits = [];
  if (kind === 'video') {
    const frames = stitch(windows, source, 'frames');
    const luma = await frameLuma(dir, frames);
    for (let i = 0; i < frames.length; i++) {
      if (luma[i] > LUMA_MARKER && (i === 0 || luma[i - 1] <= LUMA_MARKER)) {
        hits.push(BigInt(frames[i].tNs));
      }
    }
    return { hits, span: span(frames, BigInt(Math.round(1e9 / FPS))) };
  }
  if (kind === 'audio') {
    const chunks = stitch(windows, source, 'chunks');
    let prevHigh = false;
    for (const c of chunks) {
      const pcm = c.pcm;
      const t0 = BigInt(c.tNs);
      for (let i = 0; i + 1 < pcm.length; i += 2) {
        const high = pcm.readInt16LE(i) > AUDIO_MARKER;
        if (high && !prevHigh) hits.push(t0 + (BigInt(i / 2) * 1000000000n) / BigInt(RATE));
        prevHigh = high;
      }
    }
    return { hits, span: span(chunks, 20000000n) };
  }
  const samples = stitch(windows, source, 'samples');
  for (const s of samples) {
    if (s.values[0] > SENSOR_MARKER) hits.push(BigInt(s.tNs));
  }
  return { hits, span: span(samples, 5000000n) };
}

// [first, last + DUR) of a sorted list of timed items, or null.
function span(items, dur) {
  if (items.length === 0) return null;
  return [BigInt(items[0].tNs), BigInt(items[items.length - 1].tNs) + dur];
}

// The hit nearest to M within SEARCH_NS, or null.
function nearest(hits, m) {
  let best = null;
  for (const t of hits) {
    const d = t > m ? t - m : m - t;
    if (d <= SEARCH_NS && (best === null || d < (best > m ? best - m : m - best))) best = t;
  }
  return best;
}

const ms = (ns) => Number(ns) / 1e6;

// Measures every marker from FROM_NS whose search range every source in
// SOURCES ({name: kind}) covers. Returns {markers: [{m, t: {name: ns|null}}],
// covered}.
async function measure(dir, windows, sources, fromNs) {
  const found = {};
  for (const [name, kind] of Object.entries(sources)) {
    found[name] = await markerTimes(dir, windows, name, kind);
  }
  const spans = Object.values(found).map((f) => f.span);
  if (spans.some((s) => !s)) return { markers: [], found };
  const lo = spans.reduce((a, s) => (s[0] > a ? s[0] : a), fromNs) + SEARCH_NS;
  const hi = spans.reduce((a, s) => (s[1] < a ? s[1] : a), spans[0][1]) - SEARCH_NS;
  const step = BigInt(MARKER_MS) * 1000000n;
  const markers = [];
  for (let m = ((lo + step - 1n) / step) * step; m <= hi; m += step) {
    const t = {};
    for (const name of Object.keys(sources)) t[name] = nearest(found[name].hits, m);
    markers.push({ m, t });
  }
  return { markers, found };
}

// min / p50 / p95 / max of XS (ms), as text.
function stats(xs) {
  if (xs.length === 0) return 'n=0';
  const s = [...xs].sort((a, b) => a - b);
  const p = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  const f = (x) => x.toFixed(3).padStart(9);
  return `n=${String(s.length).padStart(3)} min ${f(s[0])}  p50 ${f(p(0.5))}  p95 ${f(p(0.95))}  max ${f(s[s.length - 1])} ms`;
}

module.exports = {
  MARKER_MS, FPS, RATE, DELAY_MS, CLOCK_OFFSET_MS, DRIFT_PPM, WINDOW_S,
  probePorts, probeConfig, startSenders, collectWindows, measure, stats, ms,
};
