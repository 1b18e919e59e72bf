// Repositories, tags and image detail, read from the image management API (/api/v1/images):
// tag list with platforms, sizes and pushes; per image its manifest or index, the config and
// `docker history` of the chosen platform, and its layers; retag and delete.
import { get, request, nextLink, repoPath } from './api.js';
import { h, status, flash, busy, confirmDialog, table, field, bytes, when, copyButton, link, kv } from './dom.js';

const images = repo => `/api/v1/images/${repoPath(repo)}`;
const platformText = p => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

export async function repositoriesPage(q, { show }) {
  const search = q.get('q') || '';
  const last = q.get('last');
  const params = new URLSearchParams({ n: '25' });
  if (search) params.set('q', search);
  if (last) params.set('last', last);
  const response = await get('/api/v1/images?' + params, { raw: true });
  const names = (await response.json()).map(r => r.name);
  const next = nextLink(response);
  const form = h('form', { class: 'inline', role: 'search' },
    field('Search repositories', { name: 'q', id: 'repo-search', type: 'search', value: search }),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', e => { e.preventDefault(); location.hash = '#/?' + new URLSearchParams({ q: form.q.value }); });
  const rows = names.map(n => h('tr', {}, h('td', {}, link('repo', { name: n }, n))));
  const pager = [];
  if (last) pager.push(link('', search ? { q: search } : null, 'First page'), ' ');
  if (next) {
    const nextLast = new URL(next, location.origin).searchParams.get('last');
    pager.push(h('a', { href: '#/?' + new URLSearchParams({ ...(search ? { q: search } : {}), last: nextLast }), rel: 'next' }, 'Next page'));
  }
  show('Repositories', form, table(['Repository'], rows, { id: 'repositories' }), h('p', {}, pager));
}

export async function repositoryPage(q, { show }) {
  const name = q.get('name');
  const params = new URLSearchParams({ n: '50' });
  if (q.get('last')) params.set('last', q.get('last'));
  const response = await get(`${images(name)}/tags?${params}`, { raw: true });
  const tags = await response.json();
  const rows = tags.map(t => h('tr', {},
    h('td', {}, link('image', { repo: name, ref: t.tag }, t.tag)),
    h('td', { class: 'mono' }, (t.digest || '').slice(0, 19)),
    h('td', {}, (t.platforms || []).map(platformText).filter(Boolean).join(', ')),
    h('td', {}, bytes(t.size)),
    h('td', { class: 'hide-narrow' }, when(t.created)),
    h('td', { class: 'hide-narrow' }, when(t.pushedAt), t.pushedBy ? ` by ${t.pushedBy}` : '')));
  const next = nextLink(response);
  const namespace = name.split('/')[0];
  show(name, pullLine(name, 'latest', ':'), h('h2', {}, 'Tags'),
    table(['Tag', 'Digest', 'Platforms', 'Size', 'Created', 'Pushed'], rows, { id: 'tags' }),
    next ? h('p', {}, link('repo', { name, last: new URL(next, location.origin).searchParams.get('last') }, 'More tags')) : '',
    await visibilityControl(name),
    h('p', { class: 'inline' }, link('builds', { repository: name }, 'Builds and triggers'), ' · ',
      link('retention', { repository: name }, 'Retention and immutable tags'), ' · ',
      link('webhooks', { repository: name }, 'Webhooks'), ' · ',
      link('usage', { namespace }, `Storage used by ${namespace}`)));
}

async function visibilityControl(name) {
  let repo;
  try { repo = await get('/api/v1/repositories/' + repoPath(name)); } catch { return h('p'); }
  const select = h('select', { id: 'visibility', name: 'visibility', disabled: repo.role !== 'admin' },
    ['public', 'private'].map(v => h('option', { value: v, selected: v === repo.visibility }, v)));
  const button = h('button', { type: 'submit', id: 'visibility-save', disabled: repo.role !== 'admin' }, 'Save');
  const form = h('form', { class: 'inline' }, h('label', {}, 'Visibility', select), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      await request('PATCH', '/api/v1/repositories/' + repoPath(name), { body: { visibility: select.value } });
      status(`${name} is now ${select.value}`);
    });
  });
  return h('section', {}, h('h2', {}, 'Visibility'), form);
}

function pullLine(repo, ref, sep) {
  const command = `docker pull ${location.host}/${repo}${sep}${ref}`;
  return h('p', { class: 'pull' }, h('code', { id: 'pull-command' }, command), copyButton(command));
}

// --- image detail: the manifest or index, then the config, history and layers of one platform
export async function imagePage(q, { show }) {
  const repo = q.get('repo'); const ref = q.get('ref'); const platform = q.get('platform') || '';
  const base = `${images(repo)}/manifests/`;
  const response = await get(base + encodeURIComponent(ref), { raw: true });
  const digest = response.headers.get('Docker-Content-Digest');
  const manifest = await response.json();
  const isDigest = ref.startsWith('sha256:');
  const content = [pullLine(repo, ref, isDigest ? '@' : ':'), kv([
    ['Digest', h('span', { class: 'mono', id: 'digest' }, digest)],
    ['Media type', manifest.mediaType || response.headers.get('Content-Type')]])];
  const view = platform ? '?' + new URLSearchParams({ platform }) : '';
  let config = null; let history = [];
  try {
    [config, history] = await Promise.all([get(base + encodeURIComponent(ref) + '/config' + view),
      get(base + encodeURIComponent(ref) + '/history' + view)]);
  } catch (e) {
    content.push(h('p', { class: 'muted' }, `No image configuration: ${e.message}`));
  }
  const shown = config ? platformText(config) : platform;
  if (manifest.manifests) {
    content.push(h('h2', {}, 'Platforms'), table(['Platform', 'Digest', 'Size', ''], manifest.manifests.map(m => {
      const p = m.platform && m.platform.os !== 'unknown' ? platformText(m.platform) : '';
      return h('tr', {},
        h('td', {}, p || (m.annotations || {})['vnd.docker.reference.type'] || m.artifactType || 'not an image'),
        h('td', { class: 'mono' }, link('image', { repo, ref: m.digest }, m.digest.slice(0, 19))),
        h('td', {}, bytes(m.size)),
        h('td', {}, p ? (p === shown ? h('strong', {}, 'shown below')
          : link('image', { repo, ref, platform: p }, `Inspect ${p}`)) : ''));
    }), { id: 'platforms' }));
  }
  if (config) {
    const image = config.digest === digest ? manifest : await get(base + config.digest);
    content.push(...imageSections(config, history, image.layers || [], !!manifest.manifests));
  }
  content.push(h('details', {}, h('summary', {}, manifest.manifests ? 'Index JSON' : 'Manifest JSON'),
    h('pre', { id: 'manifest-json' }, JSON.stringify(manifest, null, 2))));
  content.push(retagForm(repo, digest), deleteControls(repo, ref, digest, isDigest));
  show(`${repo}${isDigest ? '@' + ref.slice(0, 19) : ':' + ref}`, ...content);
}

function imageSections(c, history, layers, inIndex) {
  const plat = platformText(c);
  const lines = list => (list || []).join('\n');
  return [
    h('h2', {}, inIndex ? `Configuration of ${plat} (${c.digest.slice(0, 19)})` : 'Configuration'),
    kv([['Platform', plat], ['Created', when(c.created)], ['Author', c.author || ''],
      ['Entrypoint', JSON.stringify(c.entrypoint || [])], ['Cmd', JSON.stringify(c.cmd || [])],
      ['Env', lines(c.env)], ['Working dir', c.workingDir || ''], ['User', c.user || ''],
      ['Exposed ports', (c.exposedPorts || []).join(', ')], ['Volumes', (c.volumes || []).join(', ')],
      ['Labels', Object.entries(c.labels || {}).map(([k, v]) => `${k}=${v}`).join('\n')],
      ['Stop signal', c.stopSignal || ''],
      ['Size (compressed layers)', bytes(layers.reduce((s, l) => s + l.size, 0))]].filter(([, v]) => v !== '' && v !== '[]'),
    { id: 'config', class: 'kv mono' }),
    h('h2', {}, 'History'),
    table(['Created', 'Created by', 'Size', 'Comment'], history.map(e => h('tr', {},
      h('td', {}, when(e.created)), h('td', { class: 'mono' }, e.createdBy || ''),
      h('td', {}, e.emptyLayer ? '0 B' : bytes(e.size)), h('td', {}, e.comment || ''))), { id: 'history' }),
    h('h2', {}, 'Layers'),
    table(['#', 'Digest', 'Media type', 'Size'], layers.map((l, i) => h('tr', {},
      h('td', {}, i + 1), h('td', { class: 'mono' }, l.digest), h('td', {}, l.mediaType), h('td', {}, bytes(l.size)))), { id: 'layers' }),
  ];
}

function retagForm(repo, digest) {
  const input = h('input', { id: 'retag-tag', name: 'tag', required: true, pattern: '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}' });
  const button = h('button', { type: 'submit', id: 'retag-submit' }, 'Add tag');
  const form = h('form', { class: 'inline' }, h('label', {}, 'New tag for this manifest', input), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      await request('PUT', `${images(repo)}/tags/${encodeURIComponent(input.value)}`, { body: { source: digest } });
      flash(`Tagged ${repo}:${input.value}`);
      location.hash = '#/image?' + new URLSearchParams({ repo, ref: input.value });
    });
  });
  return h('section', {}, h('h2', {}, 'Retag'), form);
}

function deleteControls(repo, ref, digest, isDigest) {
  const del = async (button, path, what) => {
    if (!await confirmDialog(`Delete ${what}? This cannot be undone.`)) return;
    await busy(button, async () => {
      await request('DELETE', images(repo) + path);
      flash(`Deleted ${what}`);
      location.hash = '#/repo?' + new URLSearchParams({ name: repo });
    });
  };
  const buttons = [];
  if (!isDigest) buttons.push(h('button', { type: 'button', class: 'danger', id: 'delete-tag', onclick: e => del(e.target, `/tags/${encodeURIComponent(ref)}`, `tag ${repo}:${ref}`) }, 'Delete tag'));
  buttons.push(h('button', { type: 'button', class: 'danger', id: 'delete-manifest', onclick: e => del(e.target, `/manifests/${digest}`, `manifest ${digest} and all its tags`) }, 'Delete manifest'));
  return h('section', {}, h('h2', {}, 'Delete'), h('p', { class: 'inline' }, buttons));
}
