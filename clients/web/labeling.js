// The countdown bar of the task's time box.

// The time box counting down on the client clock. Amber under 30 % left,
// red under 10 %.
export class Countdown {
  constructor() {
    this.el = document.getElementById('countdown');
    this.fill = document.getElementById('countdown-fill');
    this.secs = document.getElementById('countdown-secs');
    this.timer = null;
    this.endMs = 0;
    this.totalMs = 0;
  }

  // Counts down TOTAL_MS from FROM_MS (performance.now() time).
  start(totalMs, fromMs) {
    this.stop();
    this.totalMs = Math.max(1, totalMs);
    this.endMs = fromMs + totalMs;
    this.render();
    this.timer = setInterval(() => this.render(), 100);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.el.dataset.level = 'idle';
    this.fill.style.transform = 'scaleX(0)';
    this.secs.textContent = '–';
  }

  render() {
    const left = Math.max(0, this.endMs - performance.now());
    const frac = left / this.totalMs;
    this.fill.style.transform = `scaleX(${frac})`;
    this.secs.textContent = (left / 1000).toFixed(1);
    this.el.dataset.level = frac < 0.1 ? 'red' : frac < 0.3 ? 'amber' : 'ok';
  }
}
