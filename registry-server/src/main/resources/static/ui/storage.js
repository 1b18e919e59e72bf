// Storage: usage and quota per namespace (site admins: the whole site, and set quotas), and
// garbage collection runs (site admins: start one and watch it).
import { ApiError, get, request, session } from './api.js';
import { h, status, busy, confirmDialog, table, field, bytes, when, link, kv } from './dom.js';

const UNITS = { MB: 1e6, GB: 1e9, TB: 1e12 };

export async function usagePage(q, { show }) {
  const admin = session().admin;
  const namespace = q.get('namespace') || (admin ? '' : session().username);
  const content = [];
  const pick = h('form', { class: 'inline' }, field('Namespace (user or organization)', { name: 'namespace', id: 'usage-namespace', value: namespace, required: true }),
    h('button', { type: 'submit' }, 'Show usage'));
  pick.addEventListener('submit', e => { e.preventDefault(); location.hash = '#/usage?' + new URLSearchParams({ namespace: pick.namespace.value.trim() }); });
  content.push(pick);
  if (namespace) content.push(await namespaceUsage(namespace, admin, () => usagePage(q, { show })));
  if (admin) {
    const site = await get('/api/v1/usage');
    content.push(h('h2', {}, 'Whole registry'), h('p', {}, 'Stored: ', h('strong', { id: 'site-total' }, bytes(site.totalBytes)),
      ' (each blob counted once, however many repositories share it)'),
    table(['Namespace', 'Used', 'Quota'], site.namespaces.map(n => h('tr', {},
      h('td', {}, link('usage', { namespace: n.namespace }, n.namespace)), h('td', {}, bytes(n.usageBytes)),
      h('td', {}, n.quotaBytes === null || n.quotaBytes === undefined ? 'none' : bytes(n.quotaBytes)))), { id: 'site-usage' }));
  }
  show('Storage usage', ...content);
}

async function namespaceUsage(namespace, admin, reload) {
  let usage;
  try {
    usage = await get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/usage`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return h('p', { class: 'error', role: 'alert' }, e.message);
    throw e;
  }
  const hasQuota = usage.quotaBytes !== null && usage.quotaBytes !== undefined;
  const section = [h('h2', {}, `Namespace ${namespace}`), kv([
    ['Used', h('span', { id: 'usage-bytes' }, bytes(usage.usageBytes))],
    ['Quota', h('span', { id: 'quota-bytes' }, hasQuota ? bytes(usage.quotaBytes) : 'none')],
  ])];
  if (hasQuota && usage.quotaBytes > 0) {
    const percent = Math.min(100, Math.round(100 * usage.usageBytes / usage.quotaBytes));
    section.push(h('label', {}, `${percent}% of the quota used`,
      h('meter', { min: 0, max: usage.quotaBytes, high: usage.quotaBytes * 0.9, value: usage.usageBytes, id: 'quota-meter' })));
  }
  section.push(table(['Repository', 'Used'], usage.repositories.map(r => h('tr', {},
    h('td', {}, link('repo', { name: r.name }, r.name)), h('td', {}, bytes(r.usageBytes)))), { id: 'namespace-usage' }));
  if (admin) section.push(quotaForm(namespace, hasQuota, reload));
  return h('section', {}, section);
}

/** Site admins set quotas; a push that would go over is refused. */
function quotaForm(namespace, hasQuota, reload) {
  const amount = h('input', { type: 'number', min: '0', step: 'any', id: 'quota-amount', name: 'amount', required: true });
  const unit = h('select', { id: 'quota-unit', name: 'unit' }, Object.keys(UNITS).map(u => h('option', { value: u, selected: u === 'GB' }, u)));
  const save = h('button', { type: 'submit', id: 'quota-save' }, 'Set quota');
  const form = h('form', { class: 'inline' }, h('label', {}, 'Quota', amount), h('label', {}, 'Unit', unit), save);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(save, async () => {
      const limitBytes = Math.round(Number(amount.value) * UNITS[unit.value]);
      await request('PUT', `/api/v1/namespaces/${encodeURIComponent(namespace)}/quota`, { body: { limitBytes } });
      await reload();
      status(`Quota of ${namespace} set to ${bytes(limitBytes)}`);
    });
  });
  const remove = hasQuota ? h('button', { type: 'button', class: 'secondary', id: 'quota-remove', onclick: async ev => {
    if (!await confirmDialog(`Remove the quota of ${namespace}?`, 'Remove')) return;
    await busy(ev.target, async () => {
      await request('DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}/quota`);
      await reload();
      status(`Quota of ${namespace} removed`);
    });
  } }, 'Remove quota') : '';
  return h('section', {}, h('h3', {}, 'Quota'), form, remove);
}

// --- garbage collection (site admins)
export async function gcPage(q, { show }) {
  const runsTable = h('div', { id: 'gc-runs-slot' }, runTable(await get('/api/v1/gc/runs?limit=20')));
  const progress = h('p', { id: 'gc-progress', 'aria-live': 'polite', class: 'muted' });
  const start = h('button', { type: 'button', id: 'gc-start' }, 'Run garbage collection now');
  start.addEventListener('click', () => busy(start, async () => {
    progress.textContent = 'Collecting: blobs and manifests nothing refers to are deleted…';
    const refresh = async () => runsTable.replaceChildren(runTable(await get('/api/v1/gc/runs?limit=20')));
    const poll = setInterval(() => refresh().catch(() => {}), 1500);
    try {
      const run = await request('POST', '/api/v1/gc');
      progress.textContent = `Run #${run.id} finished: ${run.counts.blobsDeleted} blobs deleted, ${bytes(run.counts.bytesFreed)} freed`
        + (run.counts.errors ? `, ${run.counts.errors} errors (retried next run)` : '') + '.';
    } catch (e) {
      progress.textContent = '';
      throw e;
    } finally {
      clearInterval(poll);
      await refresh();
    }
  }));
  show('Garbage collection', h('p', { class: 'muted' },
    'Deletes blobs no manifest refers to any more (after a grace period), on every replica at once; pushes keep working meanwhile.'),
  h('p', {}, start), progress, h('h2', {}, 'Recent runs'), runsTable);
}

function runTable(runs) {
  return table(['Run', 'Trigger', 'Started', 'Finished', 'Blobs deleted', 'Freed', 'Links removed', 'Orphan files', 'Errors'],
    runs.map(r => h('tr', {}, h('td', {}, '#' + r.id), h('td', {}, r.trigger + (r.requestedBy ? ` by ${r.requestedBy}` : '')),
      h('td', {}, when(r.startedAt)), h('td', {}, r.finishedAt ? when(r.finishedAt) : h('span', { class: 'badge' }, 'running')),
      h('td', {}, r.counts.blobsDeleted), h('td', {}, bytes(r.counts.bytesFreed)), h('td', {}, r.counts.linksRemoved),
      h('td', { title: r.storeWalked ? 'this run walked the store for orphan files' : 'the store is walked once per walk interval' },
        r.counts.orphanFilesDeleted + (r.storeWalked ? ' (store walked)' : '')), h('td', {}, r.counts.errors + (r.lastError ? `: ${r.lastError}` : '')))),
    { id: 'gc-runs' });
}
