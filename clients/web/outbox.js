// Labels submitted but not yet acknowledged. The daemon acks a label only
// once Redis has it; until then the label lives here, in memory and in
// localStorage, so a reconnect or a page reload can resend it with the same
// label_id (the daemon treats a repeated label_id as already done).

const KEY = 'ringside.outbox';
// A reviewer labels a few windows a minute; anything near this many
// unacked labels means the daemon has been unreachable for a long time.
// Oldest entries go first so storage stays bounded.
const MAX_ENTRIES = 500;

// One entry per unacked label:
//   { label: {label_id, window_id, classes}, reviewer, deadlineMs }
// reviewer scopes resends: a label is only ever resent on a session of the
// reviewer who gave it. deadlineMs (epoch ms, client clock) bounds retries
// after "publish_failed".
export class Outbox {
  constructor() {
    this.entries = new Map();
    this.dropped = 0;
    for (const e of this.readStorage()) this.entries.set(e.label.label_id, e);
  }

  readStorage() {
    try {
      const list = JSON.parse(localStorage.getItem(KEY) || '[]');
      return Array.isArray(list) ? list.filter((e) => e && e.label && e.label.label_id) : [];
    } catch {
      return [];
    }
  }

  save() {
    localStorage.setItem(KEY, JSON.stringify([...this.entries.values()]));
  }

  add(entry) {
    this.entries.set(entry.label.label_id, entry);
    while (this.entries.size > MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value);
      this.dropped++;
    }
    this.save();
  }

  get(labelId) {
    return this.entries.get(labelId);
  }

  remove(labelId) {
    if (this.entries.delete(labelId)) this.save();
  }

  // Entries for WINDOW_ID (at most one in practice); used when the daemon
  // answers about a window rather than a label.
  forWindow(windowId) {
    return [...this.entries.values()].filter((e) => e.label.window_id === windowId);
  }

  forReviewer(reviewer) {
    return [...this.entries.values()].filter((e) => e.reviewer === reviewer);
  }

  get size() {
    return this.entries.size;
  }
}
