// The flag panel: f (or s for skip) opens it over the side panel; a digit
// picks the kind, a digit picks one of the usual reasons or the reviewer
// types one, Enter sends, Esc cancels. The label goes out as a Submit
// with label.flag = {kind, reason} (app.js).
//
//   f ──► kind (1 ambiguous, 2 bad quality, 3 skip) ──► reason ──Enter──► sent
//   s ─────────────────────────────────────────────────► reason (skip)
//
// While it is open it takes every key, so a digit or Enter never reaches
// the label underneath.

import { keyLabel } from './keys.js';

export const FLAG_AMBIGUOUS = 1;
export const FLAG_BAD_QUALITY = 2;
export const FLAG_SKIP = 3;

export const FLAG_KINDS = [
  { kind: FLAG_AMBIGUOUS, name: 'ambiguous', text: 'more than one answer fits: someone else looks too',
    reasons: ['more than one class fits', 'not sure what it is', 'needs an expert'] },
  { kind: FLAG_BAD_QUALITY, name: 'bad quality', text: 'the data cannot be labeled',
    reasons: ['picture unusable (dark, blurred, frozen)', 'no sound or only noise',
      'sensor data broken', 'sources out of sync'] },
  { kind: FLAG_SKIP, name: 'skip', text: 'pass it to someone else',
    reasons: ['not sure', 'off-topic', 'not my expertise', 'cannot listen right now'] },
];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class FlagPanel {
  // HOST: the element the panel floats in. CB: {send(kind, reason),
  // key() for every key the panel takes (the keystroke count)}.
  constructor(host, cb) {
    this.cb = cb;
    this.el = el('div', 'flag-panel');
    this.el.id = 'flag-panel';
    this.el.hidden = true;
    this.el.setAttribute('role', 'dialog');
    this.el.setAttribute('aria-label', 'flag this window');
    host.append(this.el);
    this.kind = 0;
    this.preset = false;
    this.reason = -1; // index of the chosen usual reason
    this.maxChars = 2000;
    this.input = null;
    this.errorEl = null;
    // Before the page's keymap: the panel owns the keyboard while open.
    document.addEventListener('keydown', (ev) => this.onKey(ev), true);
  }

  get open() {
    return !this.el.hidden;
  }

  // Opens on the kind list, or on the reasons of KIND when given.
  show(kind = 0, maxChars = 2000) {
    this.maxChars = maxChars || 2000;
    this.preset = !!kind;
    this.el.hidden = false;
    this.choose(kind);
  }

  close() {
    if (this.input && document.activeElement === this.input) this.input.blur();
    this.el.hidden = true;
    this.el.replaceChildren();
    this.input = null;
  }

  // KIND 0 shows the kind list; a kind shows its reasons.
  choose(kind) {
    this.kind = kind;
    this.reason = -1;
    this.el.replaceChildren();
    this.el.dataset.stage = kind ? 'reason' : 'kind';
    const info = FLAG_KINDS.find((k) => k.kind === kind);
    const title = el('h2', '', info ? `${info.name}: why?` : 'flag this window');
    const list = el('ol', 'flag-list');
    const items = info ? info.reasons : FLAG_KINDS;
    items.forEach((item, i) => {
      const li = el('li');
      const kbd = el('kbd', '', String(i + 1));
      const name = el('span', 'flag-name', info ? item : item.name);
      li.append(kbd, name);
      if (!info) li.append(el('span', 'muted flag-text', item.text));
      li.addEventListener('mousedown', (ev) => ev.preventDefault());
      li.addEventListener('click', () => (info ? this.pick(i) : this.choose(item.kind)));
      list.append(li);
    });
    this.el.append(title, list);
    this.input = null;
    if (info) {
      this.input = el('input', 'flag-reason');
      this.input.type = 'text';
      this.input.placeholder = 'or type a reason';
      this.input.maxLength = this.maxChars;
      this.input.setAttribute('aria-label', 'reason');
      this.input.addEventListener('input', () => this.pick(-1, true));
      this.el.append(this.input);
    }
    this.errorEl = el('p', 'flag-error');
    const foot = el('p', 'flag-foot muted');
    const keys = info ? [['Enter', 'send'], ['Esc', 'cancel']] : [['Esc', 'cancel']];
    if (info && !this.preset) keys.push(['⌫', 'back']);
    for (const [k, what] of keys) foot.append(el('kbd', '', keyLabel(k)), ` ${what}  `);
    this.el.append(this.errorEl, foot);
  }

  // The usual reason I (or -1: the typed text stays as it is).
  pick(i, typed = false) {
    const info = FLAG_KINDS.find((k) => k.kind === this.kind);
    if (!info || !this.input) return;
    if (!typed && i >= 0 && i < info.reasons.length) {
      this.reason = i;
      this.input.value = info.reasons[i];
    } else if (typed) {
      this.reason = info.reasons.indexOf(this.input.value);
    }
    [...this.el.querySelectorAll('.flag-list li')].forEach((li, j) => {
      li.classList.toggle('chosen', j === this.reason);
    });
    this.errorEl.textContent = '';
  }

  send() {
    if (!this.kind || !this.input) return;
    const reason = this.input.value.trim();
    if (!reason) {
      this.errorEl.textContent = 'a reason is required: pick one or type it';
      return;
    }
    const kind = this.kind;
    this.close();
    this.cb.send(kind, reason);
  }

  onKey(ev) {
    if (!this.open || ev.altKey || ev.metaKey) return;
    const inInput = this.input && ev.target === this.input;
    const take = () => {
      ev.preventDefault();
      ev.stopPropagation();
      this.cb.key();
    };
    if (ev.key === 'Escape') {
      take();
      this.close();
      return;
    }
    if (ev.key === 'Enter') {
      take();
      this.send();
      return;
    }
    if (inInput) {
      // Typing goes to the field; only the page's keymap must not see it.
      ev.stopPropagation();
      this.cb.key();
      return;
    }
    const printable = ev.key.length === 1 && !ev.ctrlKey;
    const n = /^[1-9]$/.test(ev.key) ? Number(ev.key) : 0;
    if (!this.kind) {
      take();
      if (n && n <= FLAG_KINDS.length) this.choose(FLAG_KINDS[n - 1].kind);
      return;
    }
    const info = FLAG_KINDS.find((k) => k.kind === this.kind);
    if (n && n <= info.reasons.length) {
      take();
      this.pick(n - 1);
    } else if (ev.key === 'Backspace' && !this.input.value && !this.preset) {
      take();
      this.choose(0);
    } else if (printable || ev.key === 'Backspace') {
      // A letter starts the typed reason: the field takes it and the rest.
      take();
      this.input.focus();
      if (this.reason >= 0) this.input.value = '';
      if (ev.key === 'Backspace') this.input.value = this.input.value.slice(0, -1);
      else if (this.input.value.length < this.maxChars) this.input.value += ev.key;
      this.pick(-1, true);
    } else {
      take();
    }
  }
}
