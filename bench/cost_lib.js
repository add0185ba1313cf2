// Shared by the cost benchmarks (ingest_cost.js, soak.js): the test
// sources, the config that ingests them, the sensor feeders, and readers
// for /proc and /metrics.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const h = require('../tests/lib/harness');

// What one source of each kind is. The video source delivers 640x360 at
// 15 fps itself (a camera set to the size and rate wanted), so the daemon's
// scaler has nothing to do; smpte scrolling 4 px a frame gives JPEGs of
// ~23 KB at quality 75, close to a real camera (pattern=ball gives ~7 KB,
// snow ~125 KB). Audio comes in 20 ms buffers like a microphone's.
const VIDEO_SRC = 'videotestsrc is-live=true pattern=smpte horizontal-speed=4' +
  ' ! video/x-raw,width=640,height=360,framerate=15/1';
const AUDIO_SRC = 'audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=320' +
  ' ! audio/x-raw,rate=16000';
const SENSOR_RATE = 1000;
const SENSOR_CHANNELS = 'c1,c2,c3,c4,c5,c6';
// Samples per second each kind should deliver (audio: 20 ms chunks).
const RATE = { video: 15, audio: 50, sensor: SENSOR_RATE };

// The chain ringsided appends to a pipeline (streams/source_gst.c), ending
// in fakesink instead of its appsink: the GStreamer-only baseline.
const VIDEO_TAIL = ' ! videoconvert ! videoscale ! video/x-raw,width=640,height=360' +
  ' ! jpegenc quality=75 ! fakesink sync=false';
const AUDIO_TAIL = ' ! audioconvert ! audioresample' +
  ' ! audio/x-raw,format=S16LE,channels=1,rate=16000 ! fakesink sync=false';

const CLK_TCK = 100; // USER_HZ on Linux
const CORES = os.cpus().length;

// The config for N sources of each kind (n.video, n.audio, n.sensor), one
// group per index holding that index's sources, a 4 s window every 10 s.
// No reviewers: windows expire after queue_timeout_seconds. RING gives
// per-kind { seconds, bytes } (defaults 30 s, 64M).
function config(p, sensorPorts, n, ring = {}) {
  const r = (kind, key, def) => (ring[kind] && ring[kind][key]) || def;
  const ringKeys = (kind) => `ring_seconds = ${r(kind, 'seconds', 30)}\n` +
    `ring_bytes = ${r(kind, 'bytes', '64M')}\n`;
  let text = `[daemon]\nlisten = 127.0.0.1:${p.http}\n\n[redis]\nport = ${p.redis}\n\n`;
  const groups = [];
  for (let i = 0; i < Math.max(n.video, n.audio, n.sensor); i++) groups.push([]);
  for (let i = 0; i < n.video; i++) {
    text += `[source cam${i}]\nkind = video\npipeline = ${VIDEO_SRC}\n` +
      `width = 640\nheight = 360\nfps = 15\n${ringKeys('video')}\n`;
    groups[i].push(`cam${i}`);
  }
  for (let i = 0; i < n.audio; i++) {
    text += `[source mic${i}]\nkind = audio\npipeline = ${AUDIO_SRC}\n` +
      `sample_rate = 16000\n${ringKeys('audio')}\n`;
    groups[i].push(`mic${i}`);
  }
  for (let i = 0; i < n.sensor; i++) {
    text += `[source imu${i}]\nkind = sensor\nlisten = 127.0.0.1:${sensorPorts[i]}\n` +
      `channels = ${SENSOR_CHANNELS}\n${ringKeys('sensor')}\n`;
    groups[i].push(`imu${i}`);
  }
  // queue_max and the timeout are small so that waiting windows (which
  // hold references to ring samples) do not add much memory beside the rings.
  groups.forEach((g, i) => {
    text += `[group g${i}]\nsources = ${g.join(',')}\nwindow_seconds = 4\n` +
      'every_seconds = 10\nclasses = none,event\nqueue_max = 2\nqueue_timeout_seconds = 5\n\n';
  });
  return text;
}

async function sensorPorts(n) {
  const ports = [];
  for (let i = 0; i < n; i++) ports.push(await h.freePort());
  return ports;
}

// One ringside-sensor per port, 1 kHz x 6 channels, 10 readings a datagram.
function startSensors(dir, ports) {
  return ports.map((port, i) => h.startProcess(dir, `sensor${i}`, path.join(h.BIN, 'ringside-sensor'),
    ['--to', `127.0.0.1:${port}`, '--channels', SENSOR_CHANNELS, '--rate', String(SENSOR_RATE),
      '--device', `imu${i}`]));
}

// CPU time (user + system) of PID in seconds; 0 once it has gone.
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command; utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

// CPU seconds per thread name of PID, digits folded ("queue3:src" and
// "queue0:src" count together), so a profile shows which kind of thread works.
function threadCpu(pid) {
  const out = {};
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+/g, 'N');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[name] = (out[name] || 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch { /* thread ended */ }
  }
  return out;
}

// Resident set size of PID in bytes.
function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// Busy and total jiffies of the whole machine, to show what else ran.
function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// The /metrics text as { 'name{labels}': value } plus a by-source getter.
// A failed request is retried twice (the machine is shared and busy) before
// the error is raised.
async function metrics(stack) {
  let r;
  for (let attempt = 1; !r; attempt++) {
    try {
      r = await h.httpGet(`${stack.httpUrl}/metrics`, 5000);
    } catch (e) {
      if (attempt >= 3 || stack.daemon.exitCode !== null) throw e;
      h.log(`GET /metrics: ${e.message}; retrying`);
      await h.sleep(200);
    }
  }
  const m = {};
  for (const line of r.body.split('\n')) {
    if (!line || line[0] === '#') continue;
    const i = line.lastIndexOf(' ');
    m[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return m;
}

function of(m, name, source) {
  return m[`${name}{source="${source}"}`] || 0;
}

// The source names of a config made by config() with counts N.
function sourceNames(n) {
  const names = [];
  for (let i = 0; i < n.video; i++) names.push(`cam${i}`);
  for (let i = 0; i < n.audio; i++) names.push(`mic${i}`);
  for (let i = 0; i < n.sensor; i++) names.push(`imu${i}`);
  return names;
}

function kindOf(source) {
  return { cam: 'video', mic: 'audio', imu: 'sensor' }[source.slice(0, 3)];
}

const MiB = 1024 * 1024;

module.exports = {
  VIDEO_SRC, AUDIO_SRC, VIDEO_TAIL, AUDIO_TAIL, RATE, CORES, MiB,
  config, sensorPorts, startSensors, cpuSeconds, threadCpu, rssBytes, machineTicks,
  metrics, of, sourceNames, kindOf,
};
