// Sensor segments: spans of some channels of one sensor, with a class
// ("bump" on the IMU). `g` marks the start at the playhead and `g` again
// the end, while it plays, or the reviewer drags across a sensor plot; `h`
// cycles the segment's source and channels (all channels → each channel →
// all, sensor after sensor), digits set its class. Segments are translucent
// bands on their sensor's plot and rows in the section.

import { editorStyle } from '../editors.js';
import { ClassSpanEditor } from './class_spans.js';
import { SpanLayer, escapeFree, hintLine, spanBetween } from './spans.js';

editorStyle('sensor_segments');

const KIND_SENSOR = 3;
// A press and release on a plot closer than this is a click (seek), not a
// drag (new segment).
const DRAG_MIN_PX = 5;

function targetText(source, channels) {
  return `${source}: ${channels.length ? channels.join(' + ') : 'all channels'}`;
}

export class SensorSegmentsEditor extends ClassSpanEditor {
  static kind = 'LABEL_KIND_SENSOR_SEGMENTS';
  static title = 'sensor segments';

  constructor(ctx) {
    super(ctx, 'sensor_segments', 'segment');
    this.sensors = []; // [{source, channels}] of the window
    this.target = null; // {source, channels}: where the next segment goes
    this.drag = null; // {source, fromS, toS} while dragging on a plot
    this.layers = new Map(); // source -> SpanLayer on its plot
    this.undo = []; // removes the plot listeners
    this.empty.textContent = 'no segments: press g at the start and g at the end, or drag on a plot';
    ctx.root.append(this.chips,
      hintLine([['g', 'mark'], ['1–9', 'class'], ['h', 'channels'],
        [['ArrowUp', 'ArrowDown', 'Delete'], '']]),
      this.box, this.status);

    const ready = () => !!this.task && !this.locked && this.sensors.length > 0;
    ctx.keys.add({ keys: ['g', 'G'], label: 'sensor segment: mark start, then end, at the playhead',
      when: ready, run: () => this.mark() });
    ctx.keys.add({ keys: ['h', 'H'], label: 'sensor segment: cycle its sensor and channels',
      when: ready, run: () => this.cycleTarget() });
    ctx.keys.add({ keys: ['Escape'], label: 'sensor segment: stop marking',
      when: () => this.marker.active && escapeFree(),
      run: () => this.stopMarking() });
    this.bindListKeys();

    if (window.ringside) {
      (window.ringside.editors ||= {}).sensor_segments = {
        state: () => ({
          marking: this.marker.active,
          selected: this.sel,
          target: this.target,
          position: ctx.player.position(),
          playing: ctx.player.playing,
          clock: ctx.player.clock,
          items: this.items.map((it) => ({ ...it.v, pre: it.pre ? it.pre.state : null })),
        }),
      };
    }
  }

  loaded(draft) {
    this.sensors = this.win.sources.filter((s) => s.kind === KIND_SENSOR)
      .map((s) => ({ source: s.source, channels: [...s.channels] }));
    this.target = draft && draft.target && this.sensors.some((s) => s.source === draft.target.source)
      ? draft.target : this.sensors.length ? { source: this.sensors[0].source, channels: [] } : null;
    this.loadClasses(this.task.template.segment_classes);
    for (const s of this.sensors) this.listen(s.source);
  }

  saveExtra() {
    return { target: this.target };
  }

  cleared() {
    super.cleared();
    this.drag = null;
    for (const off of this.undo) off();
    this.undo = [];
    for (const layer of this.layers.values()) layer.remove();
    this.layers.clear();
    this.sensors = [];
    this.target = null;
  }

  // Dragging across SOURCE's plot makes a segment of it; a plain click
  // still seeks (plot.js).
  listen(source) {
    const sp = this.player.sensorPlot(source);
    if (!sp) return;
    const over = sp.plot.over;
    const at = (ev) => {
      const x = ev.clientX - over.getBoundingClientRect().left;
      return Math.min(Math.max(sp.plot.posToVal(x, 'x'), 0), this.player.durationS);
    };
    let downX = 0;
    let dragged = false;
    const down = (ev) => {
      if (ev.button !== 0 || this.locked || !this.task) return;
      downX = ev.clientX;
      dragged = false;
      this.drag = { source, fromS: at(ev), toS: at(ev), moved: false };
      over.setPointerCapture(ev.pointerId);
    };
    const move = (ev) => {
      if (!this.drag || this.drag.source !== source) return;
      this.drag.toS = at(ev);
      if (Math.abs(ev.clientX - downX) >= DRAG_MIN_PX) this.drag.moved = true;
      if (this.drag.moved) this.draw();
    };
    const up = (ev) => {
      const d = this.drag;
      if (!d || d.source !== source) return;
      this.drag = null;
      d.toS = at(ev);
      if (!d.moved) return;
      dragged = true;
      const span = spanBetween(this.player, d.fromS, d.toS);
      const keep = this.target && this.target.source === source ? this.target.channels : [];
      this.add({ ...span, source, channels: [...keep], class: this.classes[0] || '' });
      this.target = { source, channels: [...keep] };
      this.takeFocus();
    };
    // Runs before plot.js's click (capture, same element): a drag is no seek.
    const click = (ev) => {
      if (dragged) {
        ev.stopImmediatePropagation();
        dragged = false;
      }
    };
    over.addEventListener('pointerdown', down);
    over.addEventListener('pointermove', move);
    over.addEventListener('pointerup', up);
    over.addEventListener('click', click, true);
    this.undo.push(() => {
      over.removeEventListener('pointerdown', down);
      over.removeEventListener('pointermove', move);
      over.removeEventListener('pointerup', up);
      over.removeEventListener('click', click, true);
    });
  }

  fromPre(x) {
    if (!(x.end_ns > x.start_ns)) return null;
    return { start_ns: x.start_ns, end_ns: x.end_ns, source: x.source,
      channels: [...(x.channels || [])], class: x.class };
  }

  toLabel(v) {
    return { start_ns: v.start_ns, end_ns: v.end_ns, source: v.source, channels: [...v.channels],
      class: v.class };
  }

  check() {
    if (this.marker.active) {
      const from = this.marker.startS.toFixed(2);
      return `a sensor segment is being marked from ${from} s: press g to end it or Esc`;
    }
    return '';
  }

  fromSpan(span) {
    const t = this.target;
    return { ...span, source: t.source, channels: [...t.channels], class: this.classes[0] || '' };
  }

  whereText(v) {
    return targetText(v.source, v.channels);
  }

  // Each sensor with all its channels, then each channel alone.
  options() {
    const out = [];
    for (const s of this.sensors) {
      out.push({ source: s.source, channels: [] });
      for (const c of s.channels) out.push({ source: s.source, channels: [c] });
    }
    return out;
  }

  // `h`: the selected segment's sensor/channels go one step on (and the
  // next segment goes there too); with none selected, where the next goes.
  cycleTarget() {
    const opts = this.options();
    const it = this.items[this.sel];
    const cur = it ? { source: it.v.source, channels: it.v.channels } : this.target;
    const key = (o) => `${o.source}\n${o.channels.join(',')}`;
    const at = opts.findIndex((o) => key(o) === key(cur));
    const next = opts[(at + 1) % opts.length];
    this.target = { source: next.source, channels: [...next.channels] };
    if (it) {
      it.v.source = next.source;
      it.v.channels = [...next.channels];
      this.edited(this.sel);
    } else {
      this.draw();
      this.ctx.changed();
    }
  }

  select(i) {
    super.select(i);
    const it = this.items[this.sel];
    if (it) this.target = { source: it.v.source, channels: [...it.v.channels] };
  }

  layer(source) {
    const sp = this.player.sensorPlot(source);
    if (!sp) return null;
    let layer = this.layers.get(source);
    if (!layer || layer.el.parentNode !== sp.plot.over) {
      if (layer) layer.remove();
      layer = new SpanLayer(sp.plot.over, 'segment-bands', { lanes: false,
        onPick: (i) => {
          this.select(i);
          this.takeFocus();
        } });
      this.layers.set(source, layer);
    }
    return layer;
  }

  draw() {
    const sel = this.drawChips();
    const live = this.marker.live();
    const t = this.target;
    this.status.textContent = live
      ? `marking ${targetText(t.source, t.channels)} from ${this.marker.startS.toFixed(2)} s… g ends`
      : sel ? this.selectedText(sel)
        : t ? `next segment on ${targetText(t.source, t.channels)} (h changes)` : 'no sensor in this window';
    for (const s of this.sensors) {
      const layer = this.layer(s.source);
      if (!layer) continue;
      const bars = [];
      this.items.forEach((it, i) => {
        if (it.v.source !== s.source) return;
        const ch = it.v.channels.length ? ` · ${it.v.channels.join('+')}` : '';
        bars.push(this.bar(it, i, `${it.v.class}${ch}`));
      });
      if (live && t.source === s.source) {
        bars.push({ ...live, text: 'marking…', color: '#ffffff', live: true });
      }
      const d = this.drag;
      if (d && d.moved && d.source === s.source) {
        bars.push({ startS: Math.min(d.fromS, d.toS), endS: Math.max(d.fromS, d.toS),
          text: 'new segment', color: '#ffffff', live: true });
      }
      layer.draw(bars, this.player.durationS);
    }
  }
}
