// One audio source of a window as a lane of the stage: its waveform (the
// peaks of each pixel column) over its spectrogram (an FFT every 10 ms on
// a mel-spaced frequency axis), both computed in the page from the
// window's PCM, with the shared playhead. Click or drag to seek.

import { gapBlocks } from './gaps.js';

// Spectrogram: an analysis frame of about 32 ms every 10 ms, at most this
// many columns (a longer window gets a longer hop), this many rows.
const FRAME_S = 0.032;
const HOP_S = 0.01;
const MAX_COLUMNS = 1600;
const ROWS = 96;
// Levels shown: this many dB under the loudest bin are black.
const RANGE_DB = 80;

// Builds one Float32Array covering the whole window from SRC's chunks,
// each placed by its t_ns; gaps stay silent and samples outside the window
// are cut. O(samples).
export function audioSamples(src, startNs, durationS) {
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

// In-place radix-2 FFT of (RE, IM), length a power of two. O(n log n).
function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

const mel = (f) => 2595 * Math.log10(1 + f / 700);
const melInv = (m) => 700 * (10 ** (m / 2595) - 1);

// A dark-to-bright colour map (black, purple, red, orange, pale yellow) as
// 256 RGB triples.
const LUT = (() => {
  const stops = [[0, 0, 0, 4], [0.25, 80, 18, 123], [0.5, 183, 55, 121], [0.75, 251, 136, 97],
    [1, 252, 253, 191]];
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let s = 0;
    while (s < stops.length - 2 && x > stops[s + 1][0]) s++;
    const [x0, ...c0] = stops[s];
    const [x1, ...c1] = stops[s + 1];
    const f = (x - x0) / (x1 - x0);
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = c0[c] + (c1[c] - c0[c]) * f;
  }
  return lut;
})();

// The spectrogram of SAMPLES at RATE Hz as an ImageData, one column per
// hop, ROWS rows from high (top) to low frequencies on a mel scale.
// O(columns * frame log frame): a 1 s window at 16 kHz is 100 FFTs of 512.
export function spectrogram(samples, rate) {
  const n = 2 ** Math.round(Math.log2(Math.max(64, rate * FRAME_S)));
  const hop = Math.max(Math.round(rate * HOP_S), Math.ceil(samples.length / MAX_COLUMNS));
  const cols = Math.max(1, Math.ceil(samples.length / hop));
  const bins = n / 2;
  const hann = new Float32Array(n);
  for (let i = 0; i < n; i++) hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  // Which FFT bins each row takes the loudest of.
  const top = mel(rate / 2);
  const rowBin = new Int32Array(ROWS + 1);
  for (let r = 0; r <= ROWS; r++) {
    rowBin[r] = Math.min(bins, Math.round((melInv((r / ROWS) * top) / (rate / 2)) * bins));
  }
  const db = new Float32Array(cols * ROWS);
  const re = new Float32Array(n);
  const im = new Float32Array(n);
  let loudest = -Infinity;
  for (let c = 0; c < cols; c++) {
    // Frames stay inside the samples: padding with silence would draw
    // the window's edges as clicks.
    const at = Math.max(0, Math.min(c * hop - n / 2, samples.length - n));
    for (let i = 0; i < n; i++) {
      const k = at + i;
      re[i] = k >= 0 && k < samples.length ? samples[k] * hann[i] : 0;
      im[i] = 0;
    }
    fft(re, im);
    for (let r = 0; r < ROWS; r++) {
      let p = 0;
      const last = Math.max(rowBin[r] + 1, rowBin[r + 1]);
      for (let b = rowBin[r]; b < last && b < bins; b++) p = Math.max(p, re[b] * re[b] + im[b] * im[b]);
      const v = 10 * Math.log10(p + 1e-12);
      db[c * ROWS + r] = v;
      if (v > loudest) loudest = v;
    }
  }
  const img = new ImageData(cols, ROWS);
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < ROWS; r++) {
      const level = Math.min(1, Math.max(0, (db[c * ROWS + r] - loudest + RANGE_DB) / RANGE_DB));
      const li = Math.round(level * 255) * 3;
      const o = ((ROWS - 1 - r) * cols + c) * 4;
      img.data[o] = LUT[li];
      img.data[o + 1] = LUT[li + 1];
      img.data[o + 2] = LUT[li + 2];
      img.data[o + 3] = 255;
    }
  }
  return img;
}

// What a lane needs, computed ahead (a held task is prepared while the
// reviewer still works on the current one): the samples and the
// spectrogram image.
export function audioPrepare(src, startNs, durationS) {
  const samples = audioSamples(src, startNs, durationS);
  return { samples, spec: spectrogram(samples, src.sample_rate) };
}

export class AudioLane {
  // Appends a lane for SRC to CONTAINER. PREP is audioPrepare()'s result;
  // onSeek(sec) is called while the reviewer clicks or drags on the lane.
  // SPANS are SRC's missing spans in seconds (gaps.js).
  constructor(container, src, prep, durationS, onSeek, spans = []) {
    this.name = src.source;
    this.samples = prep.samples;
    this.durationS = durationS;
    this.box = document.createElement('figure');
    this.box.className = 'audio-lane';
    this.box.dataset.source = src.source;
    this.box.title = 'click to seek';
    this.wave = document.createElement('canvas');
    this.wave.className = 'wave';
    this.spec = document.createElement('canvas');
    this.spec.className = 'spec';
    this.spec.width = prep.spec.width;
    this.spec.height = prep.spec.height;
    this.spec.getContext('2d').putImageData(prep.spec, 0, 0);
    this.head = document.createElement('div');
    this.head.className = 'audio-head';
    const caption = document.createElement('figcaption');
    const khz = (hz) => (hz / 1000).toFixed(hz % 1000 ? 1 : 0);
    caption.textContent = `${src.source} · ${khz(src.sample_rate)} kHz · spectrogram 0–${khz(src.sample_rate / 2)} kHz (mel)`;
    if (!src.complete) caption.classList.add('incomplete');
    this.box.append(this.wave, this.spec);
    gapBlocks(this.box, src.source, spans, (el, span) => {
      el.style.left = `${(span.startS / durationS) * 100}%`;
      el.style.width = `${((span.endS - span.startS) / durationS) * 100}%`;
    });
    this.box.append(this.head, caption);
    container.append(this.box);

    const seekAt = (ev) => {
      const r = this.box.getBoundingClientRect();
      onSeek(Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1) * this.durationS);
    };
    this.box.addEventListener('pointerdown', (ev) => {
      this.box.setPointerCapture(ev.pointerId);
      seekAt(ev);
    });
    this.box.addEventListener('pointermove', (ev) => {
      if (this.box.hasPointerCapture(ev.pointerId)) seekAt(ev);
    });
    this.resize();
  }

  // Draws the waveform at the lane's size: min and max of each pixel
  // column, so a click or a word stands out. O(samples).
  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.wave.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.wave.clientHeight * dpr));
    this.wave.width = w;
    this.wave.height = h;
    const ctx = this.wave.getContext('2d');
    ctx.fillStyle = '#0c0f14';
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = 'rgba(120, 190, 255, 0.85)';
    const s = this.samples;
    const per = s.length / w;
    for (let x = 0; x < w; x++) {
      let lo = 0;
      let hi = 0;
      const end = Math.min(s.length, Math.floor((x + 1) * per));
      for (let i = Math.floor(x * per); i < end; i++) {
        if (s[i] < lo) lo = s[i];
        if (s[i] > hi) hi = s[i];
      }
      const y0 = Math.floor(((1 - hi) / 2) * h);
      const y1 = Math.ceil(((1 - lo) / 2) * h);
      ctx.fillRect(x, y0, 1, Math.max(1, y1 - y0));
    }
  }

  render(pos) {
    const pct = this.durationS ? (pos / this.durationS) * 100 : 0;
    this.head.style.left = `${pct}%`;
  }

  destroy() {
    this.box.remove();
  }
}
