// The timeline bar under the media: progress, playhead, seconds ticks, the
// audio waveform (so a sound can be found by eye) and hatched blocks where
// a source sent nothing, one lane per such source, with a legend line
// under the bar; click or drag to seek.

import { gapBlocks, gapText } from './gaps.js';

// Gaps named in the legend line; the rest are counted ("+3 more").
const LEGEND_GAPS = 3;

export class Timeline {
  // onSeek(sec) is called while the reviewer clicks or drags on the bar.
  constructor(onSeek) {
    this.el = document.getElementById('timeline');
    this.canvas = document.getElementById('timeline-wave');
    this.fill = document.getElementById('timeline-fill');
    this.head = document.getElementById('timeline-head');
    this.text = document.getElementById('timeline-time');
    this.gaps = document.getElementById('timeline-gaps');
    this.legend = document.getElementById('gaps-legend');
    this.legendText = document.getElementById('gaps-legend-text');
    this.durationS = 0;

    const seekAt = (ev) => {
      if (!this.durationS) return;
      const r = this.el.getBoundingClientRect();
      const frac = Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1);
      onSeek(frac * this.durationS);
    };
    this.el.addEventListener('pointerdown', (ev) => {
      this.el.setPointerCapture(ev.pointerId);
      seekAt(ev);
    });
    this.el.addEventListener('pointermove', (ev) => {
      if (this.el.hasPointerCapture(ev.pointerId)) seekAt(ev);
    });
  }

  // Prepares the bar for a window of DURATION_S seconds; AUDIO is a list
  // of Float32Array sample arrays spanning the whole window (may be empty);
  // GAPS is [{name, spans}] for the sources with missing spans (see
  // gaps.js), drawn one lane each, top to bottom.
  load(durationS, audio, gaps = []) {
    this.durationS = durationS;
    this.el.classList.add('loaded');
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.canvas.clientWidth * dpr);
    const h = Math.round(this.canvas.clientHeight * dpr);
    this.canvas.width = w;
    this.canvas.height = h;
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, w, h);

    ctx.fillStyle = 'rgba(120, 190, 255, 0.45)';
    for (const samples of audio) {
      const per = samples.length / w;
      for (let x = 0; x < w; x++) {
        let peak = 0;
        const end = Math.min(samples.length, Math.floor((x + 1) * per));
        for (let i = Math.floor(x * per); i < end; i++) peak = Math.max(peak, Math.abs(samples[i]));
        const bar = Math.max(1, peak * h);
        ctx.fillRect(x, (h - bar) / 2, 1, bar);
      }
    }

    this.drawTicks(ctx, durationS, w, h, dpr);
    this.loadGaps(durationS, gaps);
    this.render(0);
  }

  // Ticks at a round step giving about ten across the bar, every fifth
  // one taller and labeled ("0.5 s").
  drawTicks(ctx, durationS, w, h, dpr) {
    if (!(durationS > 0)) return;
    const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];
    const step = steps.find((x) => durationS / x <= 12) || 60;
    ctx.font = `${10 * dpr}px ui-monospace, monospace`;
    ctx.textBaseline = 'bottom';
    for (let i = 1; i * step < durationS - step / 10; i++) {
      const x = Math.round(((i * step) / durationS) * w);
      const major = i % 5 === 0;
      ctx.fillStyle = major ? 'rgba(255, 255, 255, 0.5)' : 'rgba(255, 255, 255, 0.28)';
      ctx.fillRect(x, 0, Math.max(1, dpr), h * (major ? 0.45 : 0.25));
      if (major) ctx.fillText(`${+(i * step).toFixed(2)} s`, x + 3 * dpr, h - 2 * dpr);
    }
  }

  loadGaps(durationS, gaps) {
    this.gaps.replaceChildren();
    const lanes = gaps.filter((g) => g.spans.length);
    const texts = [];
    lanes.forEach(({ name, spans }, lane) => {
      const blocks = gapBlocks(this.gaps, name, spans, (el, span) => {
        el.style.left = `${(span.startS / durationS) * 100}%`;
        el.style.width = `${((span.endS - span.startS) / durationS) * 100}%`;
        el.style.top = `${(lane / lanes.length) * 100}%`;
        el.style.height = `${100 / lanes.length}%`;
      });
      for (const b of blocks) b.textContent = name;
      for (const span of spans) texts.push({ at: span.startS, text: gapText(name, span) });
    });
    texts.sort((a, b) => a.at - b.at);
    const more = texts.length - LEGEND_GAPS;
    this.legendText.textContent = texts.slice(0, LEGEND_GAPS).map((t) => t.text).join(' · ') +
      (more > 0 ? ` · +${more} more` : '');
    this.legend.title = texts.map((t) => t.text).join('\n');
    this.legend.hidden = texts.length === 0;
  }

  unload() {
    this.durationS = 0;
    this.el.classList.remove('loaded');
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.loadGaps(1, []);
    this.fill.style.width = '0';
    this.head.style.left = '0';
    this.text.textContent = '';
  }

  render(pos) {
    const pct = this.durationS ? (pos / this.durationS) * 100 : 0;
    this.fill.style.width = `${pct}%`;
    this.head.style.left = `${pct}%`;
    this.text.textContent = `${pos.toFixed(2)} / ${this.durationS.toFixed(2)} s`;
  }
}
