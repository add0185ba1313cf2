// The shared playhead over one window [start_ns, end_ns): every view (video
// canvases, sensor plots, timeline) renders the same position.
//
// The clock is the AudioContext's output clock while audio plays, so the
// picture follows what is actually heard; otherwise performance.now().
// Positions are seconds from the window start. At a playback rate R the
// position advances R seconds per second of that clock (the audio plays
// at R too).

import { VideoView, videoDiscard, videoPredecode } from './video.js';
import { SensorPlot } from './plot.js';
import { Timeline } from './timeline.js';
import { AudioLane, audioPrepare } from './audio.js';
import { gapSpans } from './gaps.js';

const KIND_VIDEO = 1;
const KIND_AUDIO = 2;
const KIND_SENSOR = 3;
// Audio is scheduled this far ahead so every source starts on the same
// sample even if the main thread is busy for a moment.
const SCHEDULE_LEAD_S = 0.03;
// The speeds [ and ] step through.
export const RATES = [0.25, 0.5, 1, 1.5, 2];
// , and . step this far when the window has no video.
const STEP_NO_VIDEO_S = 0.02;

export class Player {
  // onHint(text) shows or (with '') hides a note about playback, e.g. that
  // the browser keeps the sound off until the first key or click.
  constructor(onHint) {
    this.onHint = onHint;
    this.media = document.getElementById('media');
    this.plots = document.getElementById('plots');
    this.audio = document.getElementById('audio');
    this.timeline = new Timeline((s) => this.seek(s));
    this.views = [];
    this.notes = [];
    this.buffers = [];
    this.nodes = [];
    this.durationS = 0;
    this.playing = false;
    this.rate = 1;
    this.clock = 'perf'; // or 'audio'
    this.anchorPos = 0; // position at anchorTime
    this.anchorTime = 0; // seconds on the active clock
    this.lastPos = -1;
    this.win = null;
    this.startNs = 0;
    this.endNs = 0;
    this.renderHooks = [];
    this.stateHooks = [];

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

  // What showing WIN costs ahead of time: audio samples, their buffers
  // and spectrograms, and the first decoded video frames. Cheap enough to
  // run for a held task while the reviewer works on the current one;
  // load(win, prep) then shows it without that work. discard(prep) frees
  // it when the task leaves without being shown.
  prepare(win) {
    const durationS = Math.max(0, (win.end_ns - win.start_ns) / 1e9);
    const prep = { win, audio: new Map(), video: new Map() };
    for (const src of win.sources) {
      if (src.kind === KIND_VIDEO) prep.video.set(src.source, videoPredecode(src));
      if (src.kind !== KIND_AUDIO || !(src.sample_rate > 0)) continue;
      const a = audioPrepare(src, win.start_ns, durationS);
      a.buffer = this.ctx.createBuffer(1, a.samples.length, src.sample_rate);
      a.buffer.copyToChannel(a.samples, 0);
      prep.audio.set(src.source, a);
    }
    return prep;
  }

  discard(prep) {
    if (!prep || prep.used) return;
    for (const v of prep.video.values()) videoDiscard(v);
    prep.video.clear();
  }

  // Shows WINDOW (a decoded ringside.v1.Window); replaces what was shown.
  // PREP is prepare(win)'s result, or null to do that work now.
  load(win, prep = null) {
    this.unload();
    if (prep && prep.win !== win) this.discard(prep);
    if (!prep || prep.win !== win) prep = this.prepare(win);
    prep.used = true; // its decoded frames belong to the views now
    const startNs = win.start_ns;
    this.win = win;
    this.startNs = startNs;
    this.endNs = win.end_ns;
    this.durationS = Math.max(0, (win.end_ns - startNs) / 1e9);
    const sources = win.sources;
    const videos = sources.filter((s) => s.kind === KIND_VIDEO);
    const sensors = sources.filter((s) => s.kind === KIND_SENSOR);
    const audios = sources.filter((s) => prep.audio.has(s.source) && s.kind === KIND_AUDIO);
    const seek = (s) => this.seek(s);

    // Missing spans per source, in seconds from the start (gaps.js).
    const spans = new Map(sources.map((s) => [s, gapSpans(s, startNs, this.durationS)]));
    for (const src of videos) {
      this.views.push(new VideoView(this.media, src, startNs, this.durationS, spans.get(src),
        prep.video.get(src.source), seek));
    }
    if (!videos.length) this.note(this.media, 'no video in this window');
    if (!sensors.length) this.note(this.plots, 'no sensor data in this window');
    if (!audios.length) this.note(this.audio, 'no audio in this window');

    const [w, h] = this.plotSize(sensors.length);
    for (const src of sensors) {
      this.views.push(new SensorPlot(this.plots, src, startNs, this.durationS, w, h,
        seek, spans.get(src)));
    }

    for (const src of audios) {
      const a = prep.audio.get(src.source);
      this.buffers.push(a.buffer);
      this.views.push(new AudioLane(this.audio, src, a, this.durationS, seek, spans.get(src)));
    }
    // The lanes show the waveforms; the bar keeps ticks, gaps and marks.
    this.timeline.load(this.durationS, [],
      sources.map((s) => ({ name: s.source, spans: spans.get(s) })));
    this.setPosition(0);
    this.changed();
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
    this.changed();
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

  // The AudioLane of audio source NAME (.box its figure: waveform over
  // spectrogram, full width = the whole window), or null.
  audioLane(name) {
    return this.views.find((x) => x instanceof AudioLane && x.name === name) || null;
  }

  // Width and height of each of N sensor plots stacked in the plot area.
  plotSize(n) {
    return [this.plots.clientWidth, n ? Math.floor(this.plots.clientHeight / n) : 0];
  }

  resize() {
    const plots = this.views.filter((v) => v instanceof SensorPlot);
    const [w, h] = this.plotSize(plots.length);
    for (const p of plots) p.resize(w, h);
    for (const v of this.views) if (v instanceof AudioLane) v.resize();
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
    const pos = this.anchorPos + Math.max(0, this.now() - this.anchorTime) * this.rate;
    return Math.min(pos, this.durationS);
  }

  // FN() runs when playing, the rate or the window changed (the page's
  // transport line follows it). Returns a function that removes it.
  onState(fn) {
    this.stateHooks.push(fn);
    return () => {
      this.stateHooks = this.stateHooks.filter((f) => f !== fn);
    };
  }

  changed() {
    for (const fn of this.stateHooks) fn();
  }

  // Plays at RATE (one of RATES) from here on; the position stays.
  setRate(rate) {
    if (rate === this.rate) return;
    const wasPlaying = this.playing;
    this.pause();
    this.rate = rate;
    if (wasPlaying) this.play();
    this.changed();
  }

  // One step (DIR -1 or +1) through RATES.
  stepRate(dir) {
    const i = RATES.indexOf(this.rate);
    const next = RATES[Math.min(RATES.length - 1, Math.max(0, (i < 0 ? 2 : i) + dir))];
    this.setRate(next);
  }

  // The first video's frame index at the playhead (-1 before its first
  // frame, null without video).
  frameIndex() {
    const v = this.views.find((x) => x instanceof VideoView && x.times.length);
    return v ? v.frameAt(this.position()) : null;
  }

  // The first video's frame index on its canvas (decoding lags the
  // playhead by a moment), or null without video.
  frameDrawn() {
    const v = this.views.find((x) => x instanceof VideoView && x.times.length);
    return v ? v.drawn : null;
  }

  // Pauses and moves one video frame back (DIR -1) or forward (+1) on the
  // first video source; STEP_NO_VIDEO_S without video.
  stepFrame(dir) {
    if (!this.loaded()) return;
    this.pause();
    const v = this.views.find((x) => x instanceof VideoView && x.times.length);
    if (!v) {
      this.setPosition(this.position() + dir * STEP_NO_VIDEO_S);
      return;
    }
    const idx = v.frameAt(this.position());
    const next = Math.min(v.times.length - 1, Math.max(0, idx + dir));
    this.setPosition(v.times[next]);
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
        node.playbackRate.value = this.rate;
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
    this.changed();
  }

  pause() {
    const pos = this.position();
    const was = this.playing;
    this.playing = false;
    this.stopAudio();
    this.setPosition(pos);
    if (was) this.changed();
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
