// Every keyboard shortcut of the page in one table, so the help overlay
// ("?") lists exactly what the keys do and no two parts bind the same key
// without knowing it.
//
// A binding: { keys: ['e'], label: 'mark event start / end', section:
// 'events', when: () => bool (optional), run: (ev) => void }. Key names
// are KeyboardEvent.key values ('e', 'E', 'ArrowLeft', ' ', 'Enter', '?'),
// optionally prefixed 'Shift+' for non-printing keys ('Shift+ArrowLeft').
// The first binding whose key matches and whose when() holds runs; later
// bindings of the same key are reached only when earlier ones do not apply
// (e.g. arrows move a selected box, else they seek).
//
// While the focus is in a text field only Escape (leave the field) and
// Ctrl+Enter (submit) reach the table: typing goes to the field.

function keyName(ev) {
  const printable = ev.key.length === 1;
  return !printable && ev.shiftKey ? `Shift+${ev.key}` : ev.key;
}

function inTextField(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
    || target instanceof HTMLSelectElement || (target && target.isContentEditable);
}

// How a key reads on screen.
export function keyLabel(key) {
  const names = { ' ': 'Space', ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓',
    Escape: 'Esc', Backspace: '⌫', Delete: 'Del' };
  const [mod, k] = key.startsWith('Shift+') ? ['Shift+', key.slice(6)] : ['', key];
  return mod + (names[k] || k);
}

export class Keymap {
  constructor() {
    this.bindings = [];
    this.pressed = 0; // keys that ran an action: the keystroke benchmark reads it
  }

  // Adds BINDING; returns a function that removes it. Bindings with a
  // higher priority (default 0) are tried first: editors bind with 1 so a
  // focused editor's arrows win over the page's seek.
  add(binding) {
    const prio = binding.priority || 0;
    let i = this.bindings.length;
    while (i > 0 && (this.bindings[i - 1].priority || 0) < prio) i -= 1;
    this.bindings.splice(i, 0, binding);
    return () => {
      const i = this.bindings.indexOf(binding);
      if (i >= 0) this.bindings.splice(i, 1);
    };
  }

  // Runs the binding for EV; returns true when one ran.
  handle(ev) {
    if (ev.altKey || ev.metaKey) return false;
    const ctrl = ev.ctrlKey;
    const name = (ctrl ? 'Ctrl+' : '') + keyName(ev);
    if (inTextField(ev.target) && name !== 'Escape' && name !== 'Ctrl+Enter') return false;
    for (const b of this.bindings) {
      if (!b.keys.includes(name)) continue;
      if (b.when && !b.when()) continue;
      ev.preventDefault();
      this.pressed += 1;
      b.run(ev);
      return true;
    }
    return false;
  }

  // Bindings that apply now, grouped by section, for the help overlay.
  sections() {
    const out = new Map();
    for (const b of this.bindings) {
      if (b.hidden) continue;
      if (!out.has(b.section)) out.set(b.section, []);
      out.get(b.section).push(b);
    }
    return out;
  }
}

// The "?" overlay: every binding with its keys, by section.
export class HelpOverlay {
  constructor(keymap) {
    this.keymap = keymap;
    this.el = document.createElement('div');
    this.el.id = 'help';
    this.el.className = 'help';
    this.el.hidden = true;
    this.el.setAttribute('role', 'dialog');
    this.el.setAttribute('aria-label', 'keyboard shortcuts');
    document.body.append(this.el);
  }

  get open() {
    return !this.el.hidden;
  }

  toggle() {
    if (this.open) this.close();
    else this.show();
  }

  close() {
    this.el.hidden = true;
  }

  show() {
    this.el.replaceChildren();
    const h = document.createElement('h2');
    h.textContent = 'every key';
    this.el.append(h);
    // The page's own sections first, the editors' next, help last.
    const first = ['label', 'flag', 'time', 'playback'];
    const rank = (name) => (first.includes(name) ? first.indexOf(name) : name === 'help' ? 99 : 50);
    const sections = [...this.keymap.sections()].sort((a, b) => rank(a[0]) - rank(b[0]));
    for (const [section, list] of sections) {
      const box = document.createElement('section');
      const title = document.createElement('h3');
      title.textContent = section;
      const dl = document.createElement('dl');
      for (const b of list) {
        const dt = document.createElement('dt');
        for (const k of keyRuns(b.keys)) {
          const kbd = document.createElement('kbd');
          kbd.textContent = k;
          dt.append(kbd);
        }
        const dd = document.createElement('dd');
        dd.textContent = b.label;
        if (b.when && !b.when()) dd.classList.add('muted');
        dl.append(dt, dd);
      }
      box.append(title, dl);
      this.el.append(box);
    }
    const foot = document.createElement('p');
    foot.className = 'muted help-foot';
    foot.textContent = 'greyed: not now · typing in a text field goes to the field (Esc leaves it, '
      + 'Ctrl+Enter submits) · press ? or Esc to close';
    this.el.append(foot);
    this.el.hidden = false;
  }
}

// KEYS as shown: a run of digits reads "1–9", a letter and its capital
// read once.
function keyRuns(keys) {
  const out = [];
  const list = keys.filter((k) => !(k.length === 1 && k !== k.toLowerCase() && keys.includes(k.toLowerCase())));
  for (let i = 0; i < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && /^\d$/.test(list[j + 1]) && Number(list[j + 1]) === Number(list[j]) + 1) j++;
    out.push(j > i + 1 ? `${list[i]}–${list[j]}` : keyLabel(list[i]));
    if (j === i + 1) out.push(keyLabel(list[j]));
    i = j;
  }
  return out;
}
