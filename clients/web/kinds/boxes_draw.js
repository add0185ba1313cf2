// Boxes over a video: the geometry of a track (the box at a frame, by
// keyframe or linear interpolation, the way the daemon fills Track.boxes)
// and an overlay on a video <figure> that draws boxes in the frame's own
// pixels and turns mouse drags into drawn, moved or resized boxes.

// Screen pixels a pointer may travel before a press counts as a drag, and
// how near a corner it must land to resize instead of move.
const DRAG_MIN_PX = 3;
const CORNER_PX = 8;
const CORNERS = ['nw', 'ne', 'sw', 'se'];

// BOX moved and shrunk as little as needed to lie inside a W x H frame,
// with w, h >= 1.
export function clampBox(box, W, H) {
  const w = Math.min(Math.max(box.w, 1), W);
  const h = Math.min(Math.max(box.h, 1), H);
  return {
    x: Math.min(Math.max(box.x, 0), W - w),
    y: Math.min(Math.max(box.y, 0), H - h),
    w,
    h,
  };
}

// The box of a track at frame time T (ns) from its KEYS ([{t_ns, x, y, w,
// h}] in time order): {box, kind} where kind is 'key' (a keyframe at T),
// 'interp' (between two keyframes: x, y, w, h linear in time, as the
// daemon computes Track.boxes) or 'held' (before the first or after the
// last keyframe: that keyframe's box; not part of the track). Null when
// KEYS is empty. O(log keys).
export function boxAt(keys, t) {
  if (!keys.length) return null;
  const pick = (k) => ({ x: k.x, y: k.y, w: k.w, h: k.h });
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (t <= first.t_ns) return { box: pick(first), kind: t === first.t_ns ? 'key' : 'held' };
  if (t >= last.t_ns) return { box: pick(last), kind: t === last.t_ns ? 'key' : 'held' };
  let lo = 0;
  let hi = keys.length - 1; // keys[lo].t_ns < t < keys[hi].t_ns, or equal at lo
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (keys[mid].t_ns <= t) lo = mid;
    else hi = mid;
  }
  const a = keys[lo];
  const b = keys[hi];
  if (a.t_ns === t) return { box: pick(a), kind: 'key' };
  const f = (t - a.t_ns) / (b.t_ns - a.t_ns);
  const mix = (p, q) => p + (q - p) * f;
  return { box: { x: mix(a.x, b.x), y: mix(a.y, b.y), w: mix(a.w, b.w), h: mix(a.h, b.h) }, kind: 'interp' };
}

// A model's boxes as keyframes of a source whose frames are at FRAMES
// (t_ns, ascending) in a W x H frame: each box moved to the nearest frame
// within half a frame interval (others dropped), one per frame, inside the
// frame, in time order. O(boxes x log frames).
export function snapKeys(boxes, frames, W, H) {
  if (!frames.length) return [];
  const half = frames.length > 1
    ? (frames[frames.length - 1] - frames[0]) / (frames.length - 1) / 2 : 5e7;
  const byFrame = new Map();
  for (const b of boxes) {
    let lo = 0;
    let hi = frames.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (frames[mid] <= b.t_ns) lo = mid;
      else hi = mid;
    }
    const i = Math.abs(frames[hi] - b.t_ns) < Math.abs(frames[lo] - b.t_ns) ? hi : lo;
    if (Math.abs(frames[i] - b.t_ns) > half || byFrame.has(i)) continue;
    byFrame.set(i, { t_ns: frames[i], ...clampBox(b, W, H) });
  }
  return [...byFrame.keys()].sort((a, b) => a - b).map((i) => byFrame.get(i));
}

// Index of the latest of TIMES (seconds, ascending) that is <= POS, or -1:
// the frame a VideoView shows at POS. O(log frames).
export function frameIndexAt(times, pos) {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= pos) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

// One of these per video source on screen. It lies exactly over the
// picture inside the source's canvas (which letterboxes with object-fit:
// contain) and uses the frame's pixels (W x H, origin top-left) for every
// box it draws or reports.
//
// onGesture(g) gets what the mouse did:
//   {type: 'down', id}        a press on item ID's box (null: on no box)
//   {type: 'draw', box}       a new box dragged out on empty picture
//   {type: 'set', id, box}    item ID's box dragged to BOX (moved or resized)
//   {type: 'click', id}       a press and release without a drag (id may be null)
// enabled() says whether the mouse may edit now.
export class BoxOverlay {
  constructor(figure, W, H, onGesture, enabled) {
    this.figure = figure;
    this.canvas = figure.querySelector('canvas');
    this.W = W;
    this.H = H;
    this.onGesture = onGesture;
    this.enabled = enabled;
    this.items = [];
    this.drag = null;
    this.scale = 1; // screen px per frame px
    this.el = document.createElement('div');
    this.el.className = 'boxes-overlay';
    this.el.addEventListener('pointerdown', (ev) => this.down(ev));
    this.el.addEventListener('pointermove', (ev) => this.move(ev));
    this.el.addEventListener('pointerup', (ev) => this.up(ev));
    this.el.addEventListener('pointercancel', () => {
      this.drag = null;
      this.draw(this.items);
    });
    // Above the picture, under the caption and the gap notes.
    this.figure.insertBefore(this.el, this.canvas.nextSibling);
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.canvas);
    this.layout();
  }

  destroy() {
    this.resizer.disconnect();
    this.el.remove();
  }

  // Puts the overlay over the picture's rectangle inside the canvas.
  layout() {
    const c = this.canvas;
    const cw = c.clientWidth;
    const ch = c.clientHeight;
    const iw = c.width || this.W;
    const ih = c.height || this.H;
    const s = Math.min(cw / iw, ch / ih) || 1;
    const w = iw * s;
    const h = ih * s;
    this.scale = w / this.W;
    Object.assign(this.el.style, {
      left: `${c.offsetLeft + (cw - w) / 2}px`,
      top: `${c.offsetTop + (ch - h) / 2}px`,
      width: `${w}px`,
      height: `${h}px`,
    });
  }

  // Frame pixels under the pointer of EV, clamped into the frame.
  toFrame(ev) {
    const r = this.el.getBoundingClientRect();
    const x = ((ev.clientX - r.left) / (r.width || 1)) * this.W;
    const y = ((ev.clientY - r.top) / (r.height || 1)) * this.H;
    return { x: Math.min(Math.max(x, 0), this.W), y: Math.min(Math.max(y, 0), this.H) };
  }

  // The item under frame point P, selected one first, then the topmost:
  // {item, corner} (corner: 'nw'.. when P is near one of a selected box's
  // corners, else null).
  hit(p) {
    const tol = CORNER_PX / (this.scale || 1);
    const order = [...this.items].reverse().sort((a, b) => Number(!!b.selected) - Number(!!a.selected));
    for (const item of order) {
      const b = item.box;
      if (item.selected) {
        for (const corner of CORNERS) {
          const cx = corner[1] === 'w' ? b.x : b.x + b.w;
          const cy = corner[0] === 'n' ? b.y : b.y + b.h;
          if (Math.abs(p.x - cx) <= tol && Math.abs(p.y - cy) <= tol) return { item, corner };
        }
      }
      if (p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h) return { item, corner: null };
    }
    return null;
  }

  down(ev) {
    if (ev.button !== 0 || !this.enabled()) return;
    ev.preventDefault();
    this.el.setPointerCapture(ev.pointerId);
    const p = this.toFrame(ev);
    const hit = this.hit(p);
    this.drag = {
      mode: hit ? (hit.corner ? 'resize' : 'move') : 'draw',
      corner: hit ? hit.corner : null,
      id: hit ? hit.item.id : null,
      orig: hit ? { ...hit.item.box } : null,
      start: p,
      box: null,
      moved: false,
    };
    this.onGesture({ type: 'down', id: this.drag.id });
  }

  move(ev) {
    const d = this.drag;
    if (!d || !this.el.hasPointerCapture(ev.pointerId)) return;
    const p = this.toFrame(ev);
    const dx = p.x - d.start.x;
    const dy = p.y - d.start.y;
    if (!d.moved && Math.hypot(dx, dy) * this.scale < DRAG_MIN_PX) return;
    d.moved = true;
    d.box = this.dragged(d, p, dx, dy);
    this.draw(this.items);
  }

  // The box drag D makes with the pointer at P (moved DX, DY since the
  // press), in whole frame pixels, inside the frame.
  dragged(d, p, dx, dy) {
    const r = Math.round;
    if (d.mode === 'draw') {
      const x0 = r(Math.min(d.start.x, p.x));
      const y0 = r(Math.min(d.start.y, p.y));
      const x1 = r(Math.max(d.start.x, p.x));
      const y1 = r(Math.max(d.start.y, p.y));
      return clampBox({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, this.W, this.H);
    }
    const o = d.orig;
    if (d.mode === 'move') return clampBox({ ...o, x: r(o.x + dx), y: r(o.y + dy) }, this.W, this.H);
    // Resize: the opposite corner stays put.
    let x0 = o.x;
    let y0 = o.y;
    let x1 = o.x + o.w;
    let y1 = o.y + o.h;
    if (d.corner[1] === 'w') x0 = r(p.x);
    else x1 = r(p.x);
    if (d.corner[0] === 'n') y0 = r(p.y);
    else y1 = r(p.y);
    const box = { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
    return clampBox(box, this.W, this.H);
  }

  up(ev) {
    const d = this.drag;
    if (!d || !this.el.hasPointerCapture(ev.pointerId)) return;
    this.el.releasePointerCapture(ev.pointerId);
    this.drag = null;
    if (!d.moved || !d.box) {
      this.onGesture({ type: 'click', id: d.id });
    } else if (d.mode === 'draw') {
      this.onGesture({ type: 'draw', box: d.box });
    } else {
      this.onGesture({ type: 'set', id: d.id, box: d.box });
    }
    this.draw(this.items);
  }

  // Draws ITEMS: [{id, box, kind ('key' solid, 'interp' dashed, 'held'
  // dotted and dim), pre (a model's, pending), color, label, badge,
  // selected}]. A box being dragged is drawn where the pointer has it.
  draw(items) {
    this.items = items;
    this.layout();
    const pct = (v, of) => `${(v / of) * 100}%`;
    const els = [];
    const d = this.drag && this.drag.moved ? this.drag : null;
    for (const item of items) {
      const box = d && d.id === item.id && d.box ? d.box : item.box;
      const el = document.createElement('div');
      el.className = `box ${item.kind}`;
      el.classList.toggle('pre', !!item.pre);
      el.classList.toggle('selected', !!item.selected);
      el.dataset.track = item.id;
      el.style.setProperty('--box-color', item.color);
      Object.assign(el.style, {
        left: pct(box.x, this.W),
        top: pct(box.y, this.H),
        width: pct(box.w, this.W),
        height: pct(box.h, this.H),
      });
      const tag = document.createElement('span');
      tag.className = 'box-tag';
      tag.textContent = item.label;
      if (box.y < this.H * 0.12) tag.classList.add('inside');
      if (item.badge) {
        const badge = document.createElement('span');
        badge.className = 'box-badge';
        badge.textContent = item.badge;
        tag.append(badge);
      }
      el.append(tag);
      if (item.selected) {
        for (const c of CORNERS) {
          const handle = document.createElement('span');
          handle.className = `handle ${c}`;
          el.append(handle);
        }
      }
      els.push(el);
    }
    if (d && d.mode === 'draw' && d.box) {
      const el = document.createElement('div');
      el.className = 'box key drawing';
      Object.assign(el.style, {
        left: pct(d.box.x, this.W),
        top: pct(d.box.y, this.H),
        width: pct(d.box.w, this.W),
        height: pct(d.box.h, this.H),
      });
      els.push(el);
    }
    this.el.replaceChildren(...els);
  }
}
