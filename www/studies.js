// SPDX-License-Identifier: GPL-3.0-or-later
// studies.js - the page's studies (an ES module over app.js's window.tyche):
// the study picker (installed, unavailable with their problems, My studies
// and shared ones), upload with located errors, share / delete / promote,
// what the numbers on screen come from (study, version, samples, seed),
// the badge when a loaded scenario was saved with another version, and
// the URL fragment (#study=..&amounts=..&plot=..&mode=..) that reopens
// the same view.
//
// Things a newcomer would get wrong:
//  - server text (names, messages, problems) goes in with textContent;
//  - an upload is the file itself as the body (not JSON, not a form), with
//    X-Tyche-Request: 1 as every POST; the name travels in the query;
//  - a study that does not load is listed but disabled: it must never be
//    what the page opens, also when a link names it;
//  - the fragment is applied once, after the grid of its study is built.
'use strict';

const T = window.tyche;
const $ = (id) => document.getElementById(id);
const el = T.el;
let pending = parseFragment();


function parseFragment() {
  const h = window.location.hash.replace(/^#/, '');
  if (!h) return null;
  const p = new URLSearchParams(h);
  const out = { study: p.get('study') || '', plot: p.get('plot') || '', mode: p.get('mode') || '' };
  try {
    out.amounts = JSON.parse(p.get('amounts') || '{}');
  } catch (e) {
    out.amounts = {};
  }
  return out.study ? out : null;
}

function writeFragment() {
  const mode = $('mode-optimise') && $('mode-optimise').checked ? 'optimise' : 'explore';
  const p = new URLSearchParams();
  p.set('study', T.state.context);
  p.set('amounts', JSON.stringify(T.state.amounts));
  p.set('plot', $('plot-type').value);
  p.set('mode', mode);
  window.history.replaceState(null, '', '#' + p.toString());
}

// ------------------------------------------------------------ the picker

function fillPicker(list, sel) {

  const inst = el('optgroup', { label: 'Installed studies' });
  for (const c of list.contexts) {
    const o = el('option', { value: c.name, text: c.name });
    if (c.available === false) {
      o.disabled = true;
      o.textContent = c.name + ' (unavailable)';
    }
    inst.append(o);
  }
  sel.append(inst);
  const studies = list.studies || [];
  const mine = studies.filter((s) => s.mine), shared = studies.filter((s) => !s.mine);
  if (mine.length) {
    const g = el('optgroup', { label: 'My studies' });
    for (const s of mine) g.append(el('option', { value: s.name, text: s.study + (s.shared ? ' (shared)' : '') }));
    sel.append(g);
  }
  if (shared.length) {
    const g = el('optgroup', { label: 'Shared with me' });
    for (const s of shared) g.append(el('option', { value: s.name, text: s.study + ' (' + s.owner + ')' }));
    sel.append(g);
  }
  renderStudies(studies, list.admin);
  renderUnavailable(list.contexts.filter((c) => c.available === false));
  const usable = (name) => Array.from(sel.options).some((o) => o.value === name && !o.disabled);
  if (pending && usable(pending.study)) return pending.study;
  if (pending && pending.study) {
    T.showError('The linked study ' + pending.study + ' is not available to you; showing another one.');
    pending = null;
  }
  if (list.landing && usable(list.landing)) return list.landing;
  const first = Array.from(sel.options).find((o) => !o.disabled);
  return first ? first.value : null;
}

function renderUnavailable(bad) {
  const box = $('unavailable');
  box.replaceChildren();
  if (!bad.length) return;
  box.append(el('h3', { text: 'Unavailable studies' }));
  const ul = el('ul', {});
  for (const c of bad) {
    const li = el('li', { class: 'unavailable', 'data-name': c.name },
      el('strong', { text: c.name }), ': ' + c.summary);
    if (c.problems && c.problems.length) {
      li.append(el('pre', { class: 'problems', text: c.problems.map(located).join('\n') }));
    }
    ul.append(li);
  }
  box.append(ul);
}

function located(p) {
  let w = p.where || '';
  if (p.line) w += ':' + p.line + (p.col ? ':' + p.col : '');
  return (w ? w + ': ' : '') + p.severity + ': ' + p.message;
}

function renderStudies(studies, admin) {
  const body = $('my-studies').tBodies[0];
  body.replaceChildren();
  if (!studies.length) {
    body.append(el('tr', {}, el('td', { colspan: '5', text: 'No study of yours yet: upload one above.' })));
    return;
  }
  for (const s of studies) {
    const actions = el('td', {});
    const open = el('button', { type: 'button', text: 'Open', 'aria-label': 'Open ' + s.name });
    open.addEventListener('click', T.guard(() => openStudy(s.name)));
    actions.append(open);
    if (s.mine) {
      const share = el('button', { type: 'button', text: s.shared ? 'Unshare' : 'Share',
        'aria-label': (s.shared ? 'Unshare ' : 'Share ') + s.study });
      share.addEventListener('click', T.guard(() => studyAction(s.study, 'share', { shared: !s.shared })));
      const del = el('button', { type: 'button', class: 'danger', text: 'Delete', 'aria-label': 'Delete ' + s.study });
      del.addEventListener('click', T.guard(() => {
        if (window.confirm('Delete your study ' + s.study + ' (every version)?')) {
          return studyAction(s.study, 'delete', {});
        }
        return null;
      }));
      actions.append(' ', share, ' ', del);
    }
    if (admin && s.shared) {
      const pro = el('button', { type: 'button', text: 'Install for all', 'aria-label': 'Install ' + s.name + ' for all' });
      pro.addEventListener('click', T.guard(() => studyAction(s.name, 'promote', {})));
      actions.append(' ', pro);
    }
    body.append(el('tr', { 'data-study': s.name }, el('td', { text: s.study }), el('td', { text: s.owner }),
      el('td', { text: s.version }), el('td', { text: s.shared ? 'shared' : 'private' }), actions));
  }
}

async function refresh(select) {
  const list = await T.call('GET', '/contexts');
  const sel = $('context');
  const keep = select || T.state.context;
  sel.replaceChildren();
  pending = null;
  const first = fillPicker(list, sel);
  const ok = Array.from(sel.options).some((o) => o.value === keep && !o.disabled);
  const want = ok ? keep : first;
  if (want) {
    sel.value = want;
    if (want !== T.state.context) await T.selectContext(want);
  }
}

async function openStudy(name) {
  $('context').value = name;
  await T.selectContext(name);
}

async function studyAction(name, op, body) {
  await T.call('POST', '/studies/' + encodeURIComponent(name) + '/' + op, body);
  await refresh(op === 'delete' ? null : undefined);
}

// ------------------------------------------------------------ upload

async function upload(ev) {
  ev.preventDefault();
  T.clearError();
  const out = $('upload-result');
  out.replaceChildren();
  const file = $('upload-file').files[0];
  if (!file) { T.showError('Choose a workbook or an archive first.'); return; }
  const q = new URLSearchParams({ filename: file.name });
  const name = $('upload-name').value.trim();
  if (name) q.set('name', name);
  T.busy('Checking ' + file.name + '…');
  let res;
  try {
    res = await fetch('tyche.cgi/studies?' + q.toString(), {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: { 'X-Tyche-Request': '1', 'Content-Type': 'application/octet-stream' },
    });
  } finally {
    T.busy('');
  }
  const data = await res.json().catch(() => ({ error: 'HTTP ' + res.status }));
  if (!res.ok) {
    out.append(el('p', { id: 'upload-error', class: 'unavailable', text: 'Refused: ' + (data.error || res.status) }));
    if (data.problems && data.problems.length) {
      const ul = el('ul', { id: 'upload-problems', class: 'problems' });
      for (const p of data.problems) ul.append(el('li', { text: located(p) }));
      out.append(ul);
    }
    return;
  }
  out.append(el('p', { id: 'upload-ok', text: 'Saved as your study ' + data.study.study +
    ' (version ' + data.study.version + ')' + (data.warnings ? ', with ' + data.warnings + ' warnings' : '') }));
  $('upload-form').reset();
  await refresh(data.study.name);
}

// ------------------------------------------------------------ provenance

function version(hash) { return (hash || '').slice(0, 16); }

function showProvenance(info) {
  const p = $('provenance');
  const name = T.state.context;
  p.textContent = 'Numbers from study ' + name + ', version ' + version(info.hash) + ', ' +
    info.samples + ' samples, seed ' + info.seed + '.';
  p.dataset.study = name;
  p.dataset.version = version(info.hash);
  p.dataset.samples = String(info.samples);
  p.dataset.seed = String(info.seed);
}

function showBadge(sc) {
  const b = $('version-badge');
  b.replaceChildren();
  const info = T.state.info;
  const changed = sc.context_hash && sc.context_hash !== info.hash;
  const settings = (sc.samples && sc.samples !== info.samples) || (sc.seed && String(sc.seed) !== String(info.seed));
  if (!changed && !settings) { b.hidden = true; return; }
  b.hidden = false;
  b.append(el('p', { id: 'badge-text', text: 'Saved with version ' + version(sc.context_hash) + ' (' +
    sc.samples + ' samples, seed ' + sc.seed + '); the study is now at version ' + version(info.hash) +
    ' (' + info.samples + ' samples, seed ' + info.seed + ').' }));
  const saved = el('button', { type: 'button', id: 'show-saved', text: 'Show saved numbers' });
  const now = el('button', { type: 'button', id: 'recompute', text: 'Recompute with the current version' });
  const box = el('div', { id: 'saved-numbers' });
  saved.addEventListener('click', () => {
    const t = el('table', {}, el('caption', { text: 'Saved numbers (portfolio total, version ' + version(sc.context_hash) + ')' }));
    const metrics = (sc.results && sc.results.metrics) || {};
    for (const [m, stats] of Object.entries(metrics)) {
      t.append(el('tr', { 'data-metric': m }, el('th', { scope: 'row', text: m }),
        el('td', { class: 'saved-mean', text: 'mean ' + T.fmt(stats.mean) }),
        el('td', { text: 'q10 ' + T.fmt(stats.q10) }), el('td', { text: 'q90 ' + T.fmt(stats.q90) })));
    }
    box.replaceChildren(t);
  });
  now.addEventListener('click', T.guard(async () => {
    box.replaceChildren(el('p', { id: 'recomputed', text: 'Recomputed with version ' + version(info.hash) + ' (the grid below).' }));
    await T.explore();
  }));
  b.append(saved, ' ', now, box);
}

// ------------------------------------------------------------ hooks

T.hooks.contexts = fillPicker;
T.hooks.context = (info) => {
  $('version-badge').hidden = true;
  showProvenance(info);
  if (pending && pending.study === T.state.context) {
    const f = pending;
    pending = null;
    if (f.plot && Array.from($('plot-type').options).some((o) => o.value === f.plot)) $('plot-type').value = f.plot;
    if (f.mode === 'optimise' && $('mode-optimise')) {
      $('mode-optimise').checked = true;
      $('mode-optimise').dispatchEvent(new Event('change'));
    }
    T.setSliders(f.amounts || {});
  }
};
T.hooks.explored = () => writeFragment();
T.hooks.scenario = showBadge;

document.addEventListener('DOMContentLoaded', () => {
  $('upload-form').addEventListener('submit', T.guard(upload));
  for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', () => {
    if (T.state.info) writeFragment();
  });
});
