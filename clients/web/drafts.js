// Work in progress on a task, kept in localStorage per reviewer and window,
// so a reconnect (the daemon reoffers the window) or a reload does not
// lose what the reviewer had marked. Dropped once the label is acked or the
// window is gone for good.

const KEY = 'ringside.drafts';
// Drafts kept at most; the oldest go first.
const MAX_ENTRIES = 20;

export class Drafts {
  constructor() {
    this.entries = new Map(); // "reviewer\nwindow" -> {savedMs, draft}
    try {
      const list = JSON.parse(localStorage.getItem(KEY) || '[]');
      for (const [k, v] of Array.isArray(list) ? list : []) this.entries.set(k, v);
    } catch {
      this.entries.clear();
    }
  }

  static key(reviewer, windowId) {
    return `${reviewer}\n${windowId}`;
  }

  get(reviewer, windowId) {
    const e = this.entries.get(Drafts.key(reviewer, windowId));
    return e ? e.draft : null;
  }

  put(reviewer, windowId, draft) {
    const k = Drafts.key(reviewer, windowId);
    this.entries.delete(k);
    this.entries.set(k, { savedMs: Date.now(), draft });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value);
    this.save();
  }

  remove(reviewer, windowId) {
    if (this.entries.delete(Drafts.key(reviewer, windowId))) this.save();
  }

  save() {
    try {
      localStorage.setItem(KEY, JSON.stringify([...this.entries]));
    } catch {
      // Storage full or off: drafts are a convenience, the label path does
      // not depend on them.
    }
  }
}
