// The time box on screen: the countdown bar of the shown task, its note
// ("more time: +10 s"), and the notice that says why a window went away.

// Notes and notices stay up this long.
const NOTE_MS = 4000;
const NOTICE_MS = 6000;

// The time box counting down on the client clock. Amber under 30 % left,
// red under 10 %.
export class Countdown {
  constructor() {
    this.el = document.getElementById('countdown');
    this.fill = document.getElementById('countdown-fill');
    this.secs = document.getElementById('countdown-secs');
    this.noteEl = document.getElementById('countdown-note');
    this.timer = null;
    this.noteTimer = null;
    this.endMs = 0;
    this.totalMs = 0;
  }

  // Counts down TOTAL_MS from FROM_MS (performance.now() time). Called
  // again when the server's Deadline corrects or extends the box.
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

  // Milliseconds left, or null when nothing counts down.
  leftMs() {
    return this.timer ? Math.max(0, this.endMs - performance.now()) : null;
  }

  get level() {
    return this.el.dataset.level;
  }

  // A short note on the bar's left ("more time: +10 s"), gone after a
  // few seconds; KIND 'ok' or 'warn' colours it.
  note(text, kind = 'ok') {
    clearTimeout(this.noteTimer);
    this.noteEl.textContent = text;
    this.noteEl.dataset.kind = kind;
    this.noteEl.hidden = !text;
    if (text) this.noteTimer = setTimeout(() => this.note(''), NOTE_MS);
  }

  render() {
    const left = Math.max(0, this.endMs - performance.now());
    const frac = left / this.totalMs;
    this.fill.style.transform = `scaleX(${frac})`;
    this.secs.textContent = (left / 1000).toFixed(1);
    this.el.dataset.level = frac < 0.1 ? 'red' : frac < 0.3 ? 'amber' : 'ok';
  }
}

// A banner over the top of the stage saying why the window on screen went
// away (time ran out, taken back). It floats over the media, so showing
// it moves nothing, and stays a few seconds after the next task arrives.
export class Notice {
  constructor() {
    this.el = document.getElementById('notice');
    this.timer = null;
    this.text = '';
  }

  show(text, kind = 'warn') {
    clearTimeout(this.timer);
    this.text = text;
    this.el.textContent = text;
    this.el.dataset.kind = kind;
    this.el.hidden = false;
    this.timer = setTimeout(() => this.hide(), NOTICE_MS);
  }

  hide() {
    clearTimeout(this.timer);
    this.text = '';
    this.el.hidden = true;
  }
}
