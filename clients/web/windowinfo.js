// The side panel's facts about the shown window: id, group, time, length,
// each source's coverage, and the line about a model's pre-annotations.

import { coverageText, gapSpans, gapText } from './gaps.js';

const KIND_NAMES = { 1: 'video', 2: 'audio', 3: 'sensor' };
// Missing spans listed in a source's tooltip in the side panel, at most.
const TOOLTIP_GAPS = 8;

const $ = (id) => document.getElementById(id);

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

// HH:MM:SS.mmm in the browser's local time zone.
export function clockText(ns) {
  const d = new Date(Math.floor(ns / 1e6));
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// Fills the window facts for TASK, or dashes when there is none.
export function renderWindowInfo(task) {
  const win = task ? task.window : null;
  $('window-id').textContent = win ? win.id : '–';
  $('window-group').textContent = win ? win.group : '–';
  $('window-range').textContent = win ? `${clockText(win.start_ns)} – ${clockText(win.end_ns)}` : '–';
  $('window-length').textContent = win
    ? `${((win.end_ns - win.start_ns) / 1e9).toFixed(3)} s · attempt ${task.attempt}`
    : '–';
  const list = $('sources');
  list.replaceChildren();
  for (const src of win ? win.sources : []) {
    // "mic (audio) · incomplete          62 %", the tooltip listing what is missing
    const li = document.createElement('li');
    const name = document.createElement('span');
    const cov = document.createElement('span');
    const spans = gapSpans(src, win.start_ns, (win.end_ns - win.start_ns) / 1e9);
    li.dataset.source = src.source;
    li.dataset.coverage = String(src.coverage || 0);
    name.className = 'source-name';
    name.textContent = `${src.source} (${KIND_NAMES[src.kind] || 'unknown'})`;
    cov.className = 'coverage';
    cov.textContent = coverageText(src);
    const notes = [`${src.source}: data for ${coverageText(src)} of the window`];
    if (!src.complete) {
      li.classList.add('incomplete');
      notes.push('this source stalled: the window was cut before its data reached the end');
      name.textContent += ' · incomplete';
    }
    if (spans.length) {
      li.classList.add('gaps');
      for (const span of spans.slice(0, TOOLTIP_GAPS)) notes.push(gapText(src.source, span));
      if (spans.length > TOOLTIP_GAPS) notes.push(`… and ${spans.length - TOOLTIP_GAPS} more gaps`);
    }
    li.title = notes.join('\n');
    li.append(name, cov);
    list.append(li);
  }
}

// "model vad v3: 4 suggestions (a to accept all)" for TASK's window, with
// STATS from editors.preStats(); the line keeps its place when empty.
export function renderPreLine(task, stats) {
  const el = $('pre-line');
  const pre = task ? (task.window.preannotations || []).filter((p) => p && p.label) : [];
  el.classList.toggle('none', !pre.length);
  if (!pre.length) {
    el.textContent = '';
    return '';
  }
  const models = [...new Set(pre.map((p) => {
    const v = String(p.model_version || '');
    return `${p.model || 'model'}${v ? ` ${/^v/i.test(v) ? v : `v${v}`}` : ''}`;
  }))].join(', ');
  const n = stats.offered;
  const pending = n - stats.accepted - stats.changed - stats.deleted;
  let text = `model ${models}: ${n} suggestion${n === 1 ? '' : 's'}`;
  if (!n) text += ' for other label kinds';
  else if (pending > 0) text += ' (a to accept all)';
  else text += ` · ${stats.accepted} accepted, ${stats.changed} changed, ${stats.deleted} deleted`;
  el.textContent = text;
  el.dataset.pending = pending > 0 ? 'yes' : 'no';
  return text;
}
