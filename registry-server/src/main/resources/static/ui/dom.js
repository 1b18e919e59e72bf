// Small DOM helpers: elements are built with textContent, never innerHTML, so names and log
// lines from the registry cannot inject markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let flashed = '';

/** A message for the page the next route change shows (navigation clears the status otherwise). */
export function flash(message) { flashed = message; }

export function takeFlash() { const m = flashed; flashed = ''; return m; }

export function status(message, error = false) {
  const el = document.getElementById('status');
  el.textContent = message || '';
  el.className = error ? 'error' : '';
}

/** Runs a long action with the button disabled and a spinner, reporting failures. */
export async function busy(button, action) {
  const label = button ? button.textContent : '';
  if (button) { button.disabled = true; button.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ' + label); }
  status('');
  try { return await action(); } catch (e) { status(e.message, true); return undefined; }
  finally { if (button) { button.disabled = false; button.textContent = label; } }
}

/** A modal confirmation (native <dialog>: focus trapped, Escape cancels). */
export function confirmDialog(message, action = 'Delete') {
  return new Promise(resolve => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-text', id: 'confirm' },
      h('p', { id: 'confirm-text' }, message),
      h('form', { method: 'dialog', class: 'inline' },
        h('button', { value: 'cancel', class: 'secondary', id: 'confirm-cancel' }, 'Cancel'),
        h('button', { value: 'ok', class: 'danger', id: 'confirm-ok' }, action)));
    dialog.addEventListener('close', () => { resolve(dialog.returnValue === 'ok'); dialog.remove(); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('#confirm-cancel').focus();
  });
}

export function table(headers, rows, attrs = {}) {
  return h('div', { class: 'scroll' }, h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'None')))));
}

export function field(label, attrs) {
  return h('label', {}, label, h('input', attrs));
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0; let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return (i ? v.toFixed(1) : v) + ' ' + units[i];
}

export function when(t) { return t ? new Date(t).toLocaleString() : ''; }

export function copyButton(text) {
  return h('button', { type: 'button', class: 'secondary', 'data-copy': text, onclick: async e => {
    try { await navigator.clipboard.writeText(text); e.target.textContent = 'Copied'; }
    catch { status('Copy failed: select the text and copy it', true); }
  } }, 'Copy');
}

/** A link to a hash route of the UI. */
export const link = (route, params, text) => h('a', { href: '#/' + route + (params ? '?' + new URLSearchParams(params) : '') }, text);

/** A form of one required input and a submit button; `action` runs with the button busy. */
export function oneInputForm(label, id, buttonText, action, extra = []) {
  const input = h('input', { id, name: id, required: true });
  const button = h('button', { type: 'submit', id: id + '-submit' }, buttonText);
  const form = h('form', { class: 'inline' }, h('label', {}, label, input), ...extra, button);
  form.addEventListener('submit', e => { e.preventDefault(); busy(button, () => action(input.value.trim(), form)); });
  return form;
}

/** A secret the server shows once (tokens, webhook secrets), with a copy button. */
export function secretBox(id, what, secret, ...more) {
  return h('div', { class: 'secret', role: 'alert', id },
    h('p', {}, `${what}: copy it now, it is shown only once.`),
    h('p', { class: 'pull' }, h('code', { class: 'token' }, secret), copyButton(secret)), ...more);
}

/** A definition list of [term, value] pairs; values keep their line breaks. */
export function kv(pairs, attrs = {}) {
  return h('dl', { class: 'kv', ...attrs }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export const commaList = text => text.split(',').map(x => x.trim()).filter(Boolean);
