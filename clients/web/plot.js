// One sensor source of a window plotted with uPlot: x is seconds from the
// window start, one series per channel, and a vertical line at the shared
// playhead. The line is a positioned div over the plot so moving it costs
// no chart redraw. Spans with no readings are hatched, and the lines break
// there instead of bridging them.

import { coverageText, gapBlocks } from './gaps.js';

const COLORS = ['#4fc3f7', '#ffb74d', '#81c784', '#e57373', '#ba68c8', '#fff176', '#4db6ac', '#f06292'];
const AXIS = { stroke: '#9aa4b2', grid: { stroke: '#2a3140', width: 1 }, ticks: { stroke: '#2a3140' } };
const LEGEND_PX = 26;

export class SensorPlot {
  // Appends a plot of SRC (a ringside.v1.SourceData of kind SENSOR) to
  // CONTAINER, sized WIDTH x HEIGHT px including its legend. onSeek(sec)
  // is called when the reviewer clicks inside the plot. SPANS are SRC's
  // missing spans in seconds (gaps.js).
  constructor(container, src, startNs, durationS, width, height, onSeek, spans = []) {
    const samples = [...src.samples].sort((a, b) => a.t_ns - b.t_ns);
    // Readings, with one empty point in the middle of each gap so that
    // uPlot breaks the lines there. O(samples + gaps).
    const points = [];
    let g = 0;
    for (const s of samples) {
      const x = (s.t_ns - startNs) / 1e9;
      for (; g < spans.length && (spans[g].startS + spans[g].endS) / 2 < x; g++) {
        points.push({ x: (spans[g].startS + spans[g].endS) / 2, values: null });
      }
      points.push({ x, values: s.values });
    }
    const xs = points.map((p) => p.x);
    const data = [xs];
    const series = [{ label: 's', value: (u, v) => (v == null ? '–' : v.toFixed(3)) }];
    src.channels.forEach((name, c) => {
      data.push(points.map((p) => (p.values && c < p.values.length ? p.values[c] : null)));
      series.push({ label: name, stroke: COLORS[c % COLORS.length], width: 1.5, spanGaps: false });
    });
    this.spans = spans;
    this.gapEls = [];

    this.name = src.source;
    this.channels = [...src.channels];
    this.box = document.createElement('figure');
    this.box.className = 'plot';
    const caption = document.createElement('figcaption');
    caption.textContent = `${src.source} · ${samples.length} samples`;
    if (spans.length) caption.textContent += ` · ${coverageText(src)} covered`;
    if (!src.complete) caption.classList.add('incomplete');
    this.box.append(caption);
    container.append(this.box);

    this.plot = new uPlot(
      {
        width,
        height: Math.max(60, height - LEGEND_PX),
        scales: { x: { time: false, range: [0, durationS] } },
        series,
        axes: [
          { ...AXIS, size: 28, values: (u, ticks) => ticks.map((t) => `${t.toFixed(1)}s`) },
          { ...AXIS, size: 44 },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { show: true, live: true },
        hooks: { draw: [() => this.placeGaps()] },
      },
      data,
      this.box,
    );

    this.gapEls = gapBlocks(this.plot.over, src.source, spans, () => {});
    this.placeGaps();
    this.line = document.createElement('div');
    this.line.className = 'plot-head';
    this.plot.over.append(this.line);
    this.plot.over.addEventListener('click', (ev) => {
      const x = ev.clientX - this.plot.over.getBoundingClientRect().left;
      onSeek(this.plot.posToVal(x, 'x'));
    });
  }

  // Puts the gap blocks where their spans are on the current x scale.
  placeGaps() {
    if (!this.plot) return;
    this.gapEls.forEach((el, i) => {
      const left = this.plot.valToPos(this.spans[i].startS, 'x');
      el.style.left = `${left}px`;
      el.style.width = `${Math.max(1, this.plot.valToPos(this.spans[i].endS, 'x') - left)}px`;
    });
  }

  resize(width, height) {
    this.plot.setSize({ width, height: Math.max(60, height - LEGEND_PX) });
  }

  render(pos) {
    this.line.style.transform = `translateX(${this.plot.valToPos(pos, 'x')}px)`;
  }

  destroy() {
    this.plot.destroy();
    this.box.remove();
  }
}
