// The shared playhead over one window [start_ns, end_ns): every view (video
// canvases, sensor plots, timeline) renders the same position.
//
// The clock is the AudioContext's output clock while audio plays, so the
// picture follows what is actually heard; otherwise performance.now().
// Positions are seconds from the window start.

import { VideoView } from './video.js';
import { SensorPlot } from './plot.js';
import { Timeline } from './timeline.js';
import { gapSpans } from './gaps.js';

const KIND_VIDEO = 1;
const KIND_AUDIO = 2;
const KIND_SENSOR = 3;
// Audio is scheduled this far ahead so every source starts on the same
// sample even if the main thread is busy for a moment.
const SCHEDULE_LEAD_S = 0.03;

// Builds one Float32Array covering the whole window from SRC's chunks,
// each placed by its t_ns; gaps stay silent and samples outside the window
// are cut. O(samples).
function audioSamples(src, startNs, durationS) {
  const rate = src.sample_rate;
  const out = new Float32Array(Math.max(1, Math.ceil(durationS * rate)));
  for (const chunk of src.chunks) {
    const pcm = chunk.pcm;
    const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const first = Math.round(((chunk.t_ns - startNs) * rate) / 1e9);
    const n = pcm.byteLength >> 1;
    for (let i = Math.max(0, -first); i < n && first + i < out.length; i++) {
      out[first + i] = view.getInt16(i * 2, true) / 32768;
    }
  }
  return out;
}

export class Player {
  // onHint(text) shows or (with '') hides a note about playback, e.g. that
  // the browser keeps the sound off until the first key or click.
  constructor(onHint) {
    this.onHint = onHint;
    this.media = document.getElementById('media');
    this.plots = document.getElementById('plots');
    this.timeline = new Timeline((s) => this.seek(s));
    this.views = [];
    this.notes = [];
    this.buffers = [];
    this.nodes = [];
    this.durationS = 0;
    this.playing = false;
    this.clock = 'perf'; // or 'audio'
    this.anchorPos = 0; // position at anchorTime
    this.anchorTime = 0; // seconds on the active clock
    this.lastPos = -1;
    this.win = null;
    this.startNs = 0;
    this.endNs = 0;
    this.renderHooks = [];

    this.ctx = new AudioContext({ latencyHint: 'interactive' });
    // Autoplay policy: the context may start suspended until a user
    // gesture. Any key or click resumes it; playback then moves from the
    // visual clock to the audio clock at the current position.
    const resume = () => {
      if (this.ctx.state === 'suspended') this.ctx.resume();
    };
    document.addEventListener('keydown', resume, true);
    document.addEventListener('pointerdown', resume, true);
    this.ctx.onstatechange = () => {
      if (this.ctx.state !== 'running') return;
      this.onHint('');
      if (this.playing && this.clock === 'perf' && this.buffers.length) this.play();
    };

    window.addEventListener('resize', () => this.resize());

    const tick = () => {
      this.render();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  // Shows WINDOW (a decoded ringside.v1.Window); replaces what was shown.
  load(win) {
    this.unload();
    const startNs = win.start_ns;
    this.win = win;
    this.startNs = startNs;
    this.endNs = win.end_ns;
    this.durationS = Math.max(0, (win.end_ns - startNs) / 1e9);
    const sources = win.sources;
    const videos = sources.filter((s) => s.kind === KIND_VIDEO);
    const sensors = sources.filter((s) => s.kind === KIND_SENSOR);
    const audios = sources.filter((s) => s.kind === KIND_AUDIO && s.sample_rate > 0);

    // Missing spans per source, in seconds from the start (gaps.js).
    const spans = new Map(sources.map((s) => [s, gapSpans(s, startNs, this.durationS)]));
    for (const src of videos) {
      this.views.push(new VideoView(this.media, src, startNs, this.durationS, spans.get(src)));
    }
    if (!videos.length) this.note(this.media, 'no video in this window');
    if (!sensors.length) this.note(this.plots, 'no sensor data in this window');

    const [w, h] = this.plotSize(sensors.length);
    for (const src of sensors) {
      this.views.push(new SensorPlot(this.plots, src, startNs, this.durationS, w, h,
        (s) => this.seek(s), spans.get(src)));
    }

    const waves = [];
    for (const src of audios) {
      const samples = audioSamples(src, startNs, this.durationS);
      const buf = this.ctx.createBuffer(1, samples.length, src.sample_rate);
      buf.copyToChannel(samples, 0);
      this.buffers.push(buf);
      waves.push(samples);
    }
    this.timeline.load(this.durationS, waves,
      sources.map((s) => ({ name: s.source, spans: spans.get(s) })));
    this.setPosition(0);
  }

  unload() {
    this.pause();
    for (const v of this.views) v.destroy();
    for (const n of this.notes) n.remove();
    this.views = [];
    this.notes = [];
    this.buffers = [];
    this.durationS = 0;
    this.timeline.unload();
    this.lastPos = -1;
    this.win = null;
  }

  // FN(pos) runs after every drawn position (editors' overlays follow the
  // playhead with it). Returns a function that removes it.
  onRender(fn) {
    this.renderHooks.push(fn);
    return () => {
      this.renderHooks = this.renderHooks.filter((f) => f !== fn);
    };
  }

  // Capture times (UNIX ns numbers) of video source NAME's frames, in order.
  frameTimes(name) {
    const v = this.views.find((x) => x instanceof VideoView && x.name === name);
    return v ? v.frames.map((f) => f.t_ns) : [];
  }

  // The <figure> showing video source NAME, or null.
  videoFigure(name) {
    const v = this.views.find((x) => x instanceof VideoView && x.name === name);
    return v ? v.box : null;
  }

  // The SensorPlot of sensor source NAME (.box its figure, .plot its uPlot
  // for valToPos/posToVal, .plot.over the overlay element), or null.
  sensorPlot(name) {
    return this.views.find((x) => x instanceof SensorPlot && x.name === name) || null;
  }

  // Width and height of each of N sensor plots stacked in the plot area.
  plotSize(n) {
    return [this.plots.clientWidth, n ? Math.floor(this.plots.clientHeight / n) : 0];
  }

  resize() {
    const plots = this.views.filter((v) => v instanceof SensorPlot);
    const [w, h] = this.plotSize(plots.length);
    for (const p of plots) p.resize(w, h);
    this.lastPos = -1;
  }

  note(container, text) {
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = text;
    container.append(p);
    this.notes.push(p);
  }

  loaded() {
    return this.durationS > 0;
  }

  // The time on the audio clock that is leaving the speakers now: the
  // output timestamp accounts for the device latency that currentTime
  // does not.
  audioNow() {
    const ts = this.ctx.getOutputTimestamp ? this.ctx.getOutputTimestamp() : null;
    if (ts && ts.contextTime > 0 && ts.performanceTime > 0) {
      return ts.contextTime + (performance.now() - ts.performanceTime) / 1000;
    }
    return this.ctx.currentTime - (this.ctx.outputLatency || this.ctx.baseLatency || 0);
  }

  now() {
    return this.clock === 'audio' ? this.audioNow() : performance.now() / 1000;
  }

  position() {
    if (!this.playing) return this.anchorPos;
    const pos = this.anchorPos + Math.max(0, this.now() - this.anchorTime);
    return Math.min(pos, this.durationS);
  }

  setPosition(pos) {
    this.anchorPos = Math.min(Math.max(pos, 0), this.durationS);
  }

  play() {
    if (!this.loaded()) return;
    let pos = this.position();
    if (pos >= this.durationS) pos = 0;
    this.stopAudio();
    this.playing = true;
    this.setPosition(pos);
    if (this.buffers.length && this.ctx.state === 'running') {
      this.clock = 'audio';
      const when = this.ctx.currentTime + SCHEDULE_LEAD_S;
      for (const buf of this.buffers) {
        const node = this.ctx.createBufferSource();
        node.buffer = buf;
        node.connect(this.ctx.destination);
        node.start(when, Math.min(pos, buf.duration));
        this.nodes.push(node);
      }
      this.anchorTime = when;
    } else {
      this.clock = 'perf';
      this.anchorTime = performance.now() / 1000;
      if (this.buffers.length) {
        this.onHint('sound is blocked by the browser until you press a key or click: playing picture only');
        this.ctx.resume();
      }
    }
  }

  pause() {
    const pos = this.position();
    this.playing = false;
    this.stopAudio();
    this.setPosition(pos);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(pos) {
    const wasPlaying = this.playing;
    this.pause();
    this.setPosition(pos);
    if (wasPlaying) this.play();
  }

  stopAudio() {
    for (const node of this.nodes) {
      node.stop();
      node.disconnect();
    }
    this.nodes = [];
  }

  // Called every animation frame; draws only when the position moved.
  render() {
    if (!this.loaded()) return;
    const pos = this.position();
    if (this.playing && pos >= this.durationS) this.pause();
    if (pos === this.lastPos) return;
    this.lastPos = pos;
    for (const v of this.views) v.render(pos);
    this.timeline.render(pos);
    for (const fn of this.renderHooks) fn(pos);
  }

  // Draws the current position again (after an editor changed an overlay).
  redraw() {
    this.lastPos = -1;
  }
}
