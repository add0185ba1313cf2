// One sensor source of a window plotted with uPlot: x is seconds from the
// window start, one series per channel, and a vertical line at the shared
// playhead. The line is a positioned div over the plot so moving it costs
// no chart redraw.

const COLORS = ['#4fc3f7', '#ffb74d', '#81c784', '#e57373', '#ba68c8', '#fff176', '#4db6ac', '#f06292'];
const AXIS = { stroke: '#9aa4b2', grid: { stroke: '#2a3140', width: 1 }, ticks: { stroke: '#2a3140' } };
const LEGEND_PX = 26;

export class SensorPlot {
  // Appends a plot of SRC (a ringside.v1.SourceData of kind SENSOR) to
  // CONTAINER, sized WIDTH x HEIGHT px including its legend. onSeek(sec)
  // is called when the reviewer clicks inside the plot.
  constructor(container, src, startNs, durationS, width, height, onSeek) {
    const samples = [...src.samples].sort((a, b) => a.t_ns - b.t_ns);
    const xs = samples.map((s) => (s.t_ns - startNs) / 1e9);
    const data = [xs];
    const series = [{ label: 's', value: (u, v) => (v == null ? '–' : v.toFixed(3)) }];
    src.channels.forEach((name, c) => {
      data.push(samples.map((s) => (c < s.values.length ? s.values[c] : null)));
      series.push({ label: name, stroke: COLORS[c % COLORS.length], width: 1.5, spanGaps: false });
    });

    this.box = document.createElement('figure');
    this.box.className = 'plot';
    const caption = document.createElement('figcaption');
    caption.textContent = `${src.source} · ${samples.length} samples`;
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
      },
      data,
      this.box,
    );

    this.line = document.createElement('div');
    this.line.className = 'plot-head';
    this.plot.over.append(this.line);
    this.plot.over.addEventListener('click', (ev) => {
      const x = ev.clientX - this.plot.over.getBoundingClientRect().left;
      onSeek(this.plot.posToVal(x, 'x'));
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
