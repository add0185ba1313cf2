// One video source of a window drawn to a canvas at the shared playhead.
//
// JPEGs are decoded with createImageBitmap a few frames ahead of the
// playhead and released behind it, so a long window does not hold every
// decoded frame in memory (a 640x480 bitmap is 1.2 MB).
//
// Spans with no frames are hatched on a strip along the top of the video,
// and while the playhead is inside one the picture is hatched over with
// "no data from cam 1.20–1.45 s" (the last frame would otherwise look
// like live video).

import { gapAt, gapBlocks, gapText } from './gaps.js';

const DECODE_AHEAD = 12;
const KEEP_BEHIND = 2;

// SRC's frames in time order.
function sortedFrames(src) {
  return [...src.frames].sort((a, b) => a.t_ns - b.t_ns);
}

// Decodes the first frames of SRC ahead of showing it (a held task is
// prepared while the reviewer works on the current one). Returns what
// VideoView takes as PRE; videoDiscard(pre) frees it if never shown.
export function videoPredecode(src) {
  const frames = sortedFrames(src);
  const cache = new Map();
  for (let i = 0; i < Math.min(DECODE_AHEAD, frames.length); i++) cache.set(i, decodeEntry(frames[i], null));
  return { frames, cache };
}

export function videoDiscard(pre) {
  for (const entry of pre.cache.values()) releaseEntry(entry);
  pre.cache.clear();
}

// Starts decoding FRAME; ONDONE(entry) runs once its bitmap is there.
function decodeEntry(frame, onDone) {
  const entry = { bitmap: null, dead: false, onDone };
  const blob = new Blob([frame.jpeg], { type: 'image/jpeg' });
  createImageBitmap(blob).then(
    (bmp) => {
      if (entry.dead) {
        bmp.close();
        return;
      }
      entry.bitmap = bmp;
      if (entry.onDone) entry.onDone(entry);
    },
    () => {
      // A corrupt JPEG: the previous picture stays up; the entry stays
      // cached so the decode is not retried on every animation frame.
      entry.dead = true;
    },
  );
  return entry;
}

function releaseEntry(entry) {
  entry.dead = true;
  if (entry.bitmap) entry.bitmap.close();
  entry.bitmap = null;
}

export class VideoView {
  // Appends a canvas for SRC (a decoded ringside.v1.SourceData of kind
  // VIDEO) to CONTAINER. START_NS is the window start, DURATION_S its
  // length; SPANS are SRC's missing spans in seconds (gaps.js). PRE is
  // videoPredecode(src)'s result or null; onSeek(sec), when given, is
  // called from the scrub bar along the bottom of the picture.
  constructor(container, src, startNs, durationS = 0, spans = [], pre = null, onSeek = null) {
    this.frames = pre ? pre.frames : sortedFrames(src);
    this.times = this.frames.map((f) => (f.t_ns - startNs) / 1e9);
    this.cache = pre ? pre.cache : new Map(); // frame index -> {bitmap|null, dead}
    for (const [i, entry] of this.cache) entry.onDone = () => this.decoded(i);
    this.durationS = durationS;
    this.wanted = -1;
    this.drawn = -1;

    this.box = document.createElement('figure');
    this.box.className = 'video';
    this.canvas = document.createElement('canvas');
    this.canvas.width = src.width || 320;
    this.canvas.height = src.height || 240;
    const caption = document.createElement('figcaption');
    caption.textContent = `${src.source} · ${src.width}×${src.height} · ${src.fps} fps · ${this.frames.length} frames`;
    if (!src.complete) caption.classList.add('incomplete');
    this.box.append(this.canvas, caption);

    this.name = src.source;
    this.spans = spans;
    this.gapShown = -1;
    if (spans.length && durationS > 0) {
      const strip = document.createElement('div');
      strip.className = 'gap-strip';
      gapBlocks(strip, this.name, spans, (el, span) => {
        el.style.left = `${(span.startS / durationS) * 100}%`;
        el.style.width = `${((span.endS - span.startS) / durationS) * 100}%`;
      });
      this.box.append(strip);
      this.gapNow = document.createElement('div');
      this.gapNow.className = 'gap-now';
      this.gapNow.hidden = true;
      this.gapNowText = document.createElement('span');
      this.gapNow.append(this.gapNowText);
      this.box.insertBefore(this.gapNow, caption);
    }
    if (onSeek && durationS > 0) this.addScrub(onSeek);
    container.append(this.box);
    this.ctx = this.canvas.getContext('2d');
    this.clear();
  }

  // A thin bar along the bottom edge: the playhead, and click or drag to
  // seek (the picture itself is left to editors that draw on it).
  addScrub(onSeek) {
    this.scrub = document.createElement('div');
    this.scrub.className = 'scrub';
    this.scrub.title = 'click to seek';
    this.scrubFill = document.createElement('div');
    this.scrubFill.className = 'scrub-fill';
    this.scrub.append(this.scrubFill);
    const seekAt = (ev) => {
      const r = this.scrub.getBoundingClientRect();
      onSeek(Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1) * this.durationS);
    };
    this.scrub.addEventListener('pointerdown', (ev) => {
      ev.stopPropagation();
      this.scrub.setPointerCapture(ev.pointerId);
      seekAt(ev);
    });
    this.scrub.addEventListener('pointermove', (ev) => {
      if (this.scrub.hasPointerCapture(ev.pointerId)) seekAt(ev);
    });
    this.box.append(this.scrub);
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  // Index of the latest frame whose time is <= POS (seconds), or -1.
  // O(log frames).
  frameAt(pos) {
    let lo = 0;
    let hi = this.times.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.times[mid] <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  // Shows the frame for POS; if it is still decoding, the previous picture
  // stays up and the frame is drawn when its decode finishes.
  render(pos) {
    if (this.scrubFill) this.scrubFill.style.width = `${(pos / this.durationS) * 100}%`;
    if (this.gapNow) {
      const g = gapAt(this.spans, pos);
      if (g !== this.gapShown) {
        this.gapShown = g;
        this.gapNow.hidden = g < 0;
        this.gapNowText.textContent = g < 0 ? '' : gapText(this.name, this.spans[g]);
      }
    }
    const idx = this.frameAt(pos);
    this.wanted = idx;
    this.prefetch(Math.max(idx, 0));
    if (idx < 0) {
      if (this.drawn !== -1) this.clear();
      this.drawn = -1;
      return;
    }
    if (idx !== this.drawn) this.draw(idx);
  }

  draw(idx) {
    const entry = this.cache.get(idx);
    if (!entry || !entry.bitmap) return;
    const bmp = entry.bitmap;
    if (this.canvas.width !== bmp.width || this.canvas.height !== bmp.height) {
      this.canvas.width = bmp.width;
      this.canvas.height = bmp.height;
    }
    this.ctx.drawImage(bmp, 0, 0);
    this.drawn = idx;
  }

  prefetch(from) {
    const last = Math.min(from + DECODE_AHEAD, this.frames.length - 1);
    for (let i = from; i <= last; i++) {
      if (!this.cache.has(i)) this.decode(i);
    }
    for (const [i, entry] of this.cache) {
      if (i < from - KEEP_BEHIND || i > last) this.release(i, entry);
    }
  }

  decode(i) {
    this.cache.set(i, decodeEntry(this.frames[i], () => this.decoded(i)));
  }

  decoded(i) {
    if (i === this.wanted) this.draw(i);
  }

  release(i, entry) {
    releaseEntry(entry);
    this.cache.delete(i);
  }

  destroy() {
    for (const [i, entry] of this.cache) this.release(i, entry);
    this.box.remove();
  }
}
