// SPDX-License-Identifier: GPL-3.0-or-later
// api.js - talking to tyche.cgi and putting its answers in the page: the
// one fetch wrapper, DOM helpers and number formatting for people.
//
// Easy to get wrong:
//  - every POST carries X-Tyche-Request: 1; the CGI refuses it otherwise
//    (that header is the CSRF defence, together with the origin check);
//  - text from the server goes in with textContent, never innerHTML; SVG
//    plots are parsed with DOMParser and imported, so no markup from a
//    response is ever run as HTML;
//  - formatting here is for display only: inputs keep the exact number
//    and labels carry it in their title, so nothing is lost to rounding.
export const API = 'tyche.cgi';
export const $ = (id) => document.getElementById(id);

export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

// 4 significant digits, k/M/G suffixes past a thousand.
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1e3 && a < 1e15) return compact(x, '');
  if (a !== 0 && a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

function compact(x, unit) {
  const a = Math.abs(x);
  const [d, s] = a >= 1e12 ? [1e12, 'T'] : a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M']
    : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  const v = Number((a / d).toPrecision(3));
  return (x < 0 ? '-' : '') + unit + v + s;
}

// Money for people: $1.5M, $350k, $0.
export function money(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  return compact(x, '$');
}

// The step amounts are shown and rounded to: a power of ten about 1/10,000
// of the category's largest amount (4M -> 100), so an optimum reads
// 352,900 rather than 352964.665393.
export function amountStep(max) {
  if (!(max > 0)) return 1;
  return Math.pow(10, Math.floor(Math.log10(max)) - 4);
}
export function roundAmount(v, max) {
  const s = amountStep(max);
  const r = Math.round(v / s) * s;
  return Math.min(max, Math.max(0, Number(r.toPrecision(12))));
}

export function showError(msg) {
  const m = $('message');
  m.textContent = msg;
  m.hidden = false;
}
export function clearError() {
  $('message').hidden = true;
  $('message').textContent = '';
}
export function busy(text) { $('busy').textContent = text || ''; }

// JSON, SVG text or (raw) a Blob; retries while the surface warms up (503).
export async function call(method, path, body, opts = {}) {
  const tries = opts.tries === undefined ? 30 : opts.tries;
  const init = { method, credentials: 'same-origin', headers: {} };
  if (method === 'POST') {
    init.headers['X-Tyche-Request'] = '1';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body || {});
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (e) {
    throw new Error('the server cannot be reached (' + e.message + ')');
  }
  if (res.status === 503 && tries > 0) {
    busy('The server is preparing this context (warming up)…');
    const wait = Number(res.headers.get('Retry-After') || 2);
    await new Promise((r) => setTimeout(r, wait * 1000));
    return call(method, path, body, { ...opts, tries: tries - 1 });
  }
  const type = res.headers.get('Content-Type') || '';
  if (res.ok && opts.raw) return res.blob();
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new Error(data && data.error ? data.error : 'HTTP ' + res.status);
    err.status = res.status;
    throw err;
  }
  return data;
}

export function svgNode(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'svg') return el('span', { text: '(plot unavailable)' });
  return document.importNode(root, true);
}

// Save a Blob under a file name (a temporary link, clicked).
export function download(blob, name) {
  // hidden, with text: a link axe-core may meet before it is removed
  const a = el('a', { href: URL.createObjectURL(blob), download: name, hidden: true, text: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export const ctxPath = (name) => '/contexts/' + encodeURIComponent(name);
