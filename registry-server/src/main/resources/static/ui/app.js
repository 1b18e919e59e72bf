// The single-page Web UI: hash routes (#/repo?name=...) so the server only serves static files.
import { ApiError, get, request, session, login, logout, nextLink, MANIFEST_TYPES, repoPath } from './api.js';
import { h, status, flash, takeFlash, busy, confirmDialog, table, field, bytes, when, copyButton } from './dom.js';
import { buildsPage, buildPage } from './builds.js';

const main = document.getElementById('main');
const link = (route, params, text) => h('a', { href: '#/' + route + (params ? '?' + new URLSearchParams(params) : '') }, text);
const NOT_AVAILABLE = 'not available: this registry has no image management API (/api/v1/images)';


function show(title, ...content) {
  document.title = title + ' · Stevedore';
  main.replaceChildren(h('h1', {}, title), ...content);
  main.focus({ preventScroll: true });
}

const routes = {
  '': repositoriesPage, repo: repositoryPage, image: imagePage, orgs: organizationsPage, org: organizationPage,
  tokens: tokensPage, audit: auditPage, builds: buildsPage, build: buildPage,
};

async function route() {
  status(takeFlash());
  const s = session();
  document.getElementById('nav').hidden = !s;
  if (!s) return loginPage();
  document.getElementById('who').textContent = s.username;
  document.getElementById('nav-audit').hidden = !s.admin;
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const page = routes[path] || repositoriesPage;
  main.replaceChildren(h('p', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading…'));
  try {
    await page(new URLSearchParams(query || ''), { show, link });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { sessionStorage.clear(); return route(); }
    show('Error', h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

function loginPage() {
  const form = h('form', { class: 'login', id: 'login-form' },
    field('Username', { name: 'username', id: 'username', autocomplete: 'username', required: true }),
    field('Password or access token', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', id: 'login-submit' }, 'Log in'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const button = form.querySelector('button');
    await busy(button, async () => {
      await login(form.username.value.trim(), form.password.value);
      await route();
    });
  });
  show('Log in', form);
  form.username.focus();
}

document.getElementById('logout').addEventListener('click', async e => {
  await busy(e.target, logout);
  location.hash = '#/';
  route();
});

// --- repositories
async function repositoriesPage(q) {
  const search = q.get('q') || '';
  const last = q.get('last');
  const params = new URLSearchParams({ n: '25' });
  if (search) params.set('q', search);
  if (last) params.set('last', last);
  let names; let next = null;
  try {
    const response = await get('/api/v1/images?' + params, { raw: true });
    names = (await response.json()).map(r => r.name);
    next = nextLink(response);
  } catch (e) {
    if (!(e instanceof ApiError && e.missing)) throw e;
    // without the images API: the catalog, filtered here (it lists only what the caller may pull)
    params.delete('q');
    const response = await get('/v2/_catalog?' + params, { raw: true });
    names = (await response.json()).repositories.filter(n => n.includes(search));
    next = nextLink(response);
  }
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

// --- one repository: tags, visibility, builds
async function repositoryPage(q) {
  const name = q.get('name');
  let tags; let detailed = true;
  try {
    tags = await get(`/api/v1/images/${repoPath(name)}/tags?n=100`);
  } catch (e) {
    if (!(e instanceof ApiError && e.missing)) throw e;
    detailed = false;
    const list = await get(`/v2/${repoPath(name)}/tags/list`);
    tags = await Promise.all((list.tags || []).map(async tag => {
      const r = await request('HEAD', `/v2/${repoPath(name)}/manifests/${encodeURIComponent(tag)}`,
        { headers: { Accept: MANIFEST_TYPES }, raw: true });
      return { tag, digest: r.headers.get('Docker-Content-Digest'), mediaType: r.headers.get('Content-Type') };
    }));
  }
  const rows = tags.map(t => h('tr', {},
    h('td', {}, link('image', { repo: name, ref: t.tag }, t.tag)),
    h('td', { class: 'mono' }, (t.digest || '').slice(0, 19)),
    h('td', {}, (t.platforms || []).map(p => [p.os, p.architecture, p.variant].filter(Boolean).join('/')).join(', ')),
    h('td', {}, bytes(t.size)),
    h('td', { class: 'hide-narrow' }, when(t.pushedAt), t.pushedBy ? ` by ${t.pushedBy}` : '')));
  const content = [pullLine(name, 'latest', ':'), h('h2', {}, 'Tags'), table(['Tag', 'Digest', 'Platforms', 'Size', 'Pushed'], rows, { id: 'tags' })];
  if (!detailed) content.push(h('p', { class: 'muted' }, `Platforms, sizes and push times are ${NOT_AVAILABLE}.`));
  content.push(await visibilityControl(name), h('p', {}, link('builds', { repository: name }, 'Builds of this repository')));
  show(name, ...content);
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

// --- image detail: platforms, layers, config, history, retag, delete
async function imagePage(q) {
  const repo = q.get('repo'); const ref = q.get('ref');
  const response = await get(`/v2/${repoPath(repo)}/manifests/${encodeURIComponent(ref)}`, { headers: { Accept: MANIFEST_TYPES }, raw: true });
  const digest = response.headers.get('Docker-Content-Digest');
  const manifest = await response.json();
  const isDigest = ref.startsWith('sha256:');
  const content = [pullLine(repo, ref, isDigest ? '@' : ':'), h('dl', { class: 'kv' },
    h('dt', {}, 'Digest'), h('dd', { class: 'mono', id: 'digest' }, digest),
    h('dt', {}, 'Media type'), h('dd', {}, manifest.mediaType || response.headers.get('Content-Type')))];
  if (manifest.manifests) {
    content.push(h('h2', {}, 'Platforms'), table(['Platform', 'Digest', 'Size'], manifest.manifests.map(m => h('tr', {},
      h('td', {}, m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') : m.artifactType || '?'),
      h('td', {}, link('image', { repo, ref: m.digest }, m.digest.slice(0, 19))),
      h('td', {}, bytes(m.size))))));
  } else {
    const config = await get(`/v2/${repoPath(repo)}/blobs/${manifest.config.digest}`, { headers: { Accept: '*/*' } });
    const c = typeof config === 'string' ? JSON.parse(config) : config;
    const cc = c.config || {};
    content.push(h('h2', {}, 'Configuration'), h('dl', { class: 'kv', id: 'config' }, [
      ['Platform', [c.os, c.architecture, c.variant].filter(Boolean).join('/')], ['Created', when(c.created)],
      ['Entrypoint', JSON.stringify(cc.Entrypoint || null)], ['Cmd', JSON.stringify(cc.Cmd || null)],
      ['Env', (cc.Env || []).join('\n')], ['Working dir', cc.WorkingDir || ''], ['User', cc.User || ''],
      ['Exposed ports', Object.keys(cc.ExposedPorts || {}).join(', ')],
      ['Labels', Object.entries(cc.Labels || {}).map(([k, v]) => `${k}=${v}`).join('\n')],
      ['Size', bytes(manifest.layers.reduce((s, l) => s + l.size, 0))],
    ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)])));
    content.push(h('h2', {}, 'History'), table(['Created', 'Created by', 'Size', 'Comment'], history(c, manifest.layers).map(e => h('tr', {},
      h('td', {}, when(e.created)), h('td', { class: 'mono' }, e.createdBy), h('td', {}, e.empty ? '0 B' : bytes(e.size)),
      h('td', {}, e.comment || '')))
    , { id: 'history' }));
    content.push(h('h2', {}, 'Layers'), table(['#', 'Digest', 'Media type', 'Size'], manifest.layers.map((l, i) => h('tr', {},
      h('td', {}, i + 1), h('td', { class: 'mono' }, l.digest), h('td', {}, l.mediaType), h('td', {}, bytes(l.size))))));
  }
  content.push(retagForm(repo, digest), deleteControls(repo, ref, digest, isDigest));
  show(`${repo}${isDigest ? '@' + ref.slice(0, 19) : ':' + ref}`, ...content);
}

/** `docker history`: newest first; an entry that made no layer (empty_layer) has size 0. */
export function history(config, layers) {
  let layer = 0;
  const entries = (config.history || []).map(e => {
    const empty = !!e.empty_layer;
    const size = empty ? 0 : (layers[layer++] || {}).size;
    return { created: e.created, createdBy: e.created_by || '', comment: e.comment, empty, size };
  });
  return entries.reverse();
}

function retagForm(repo, digest) {
  const input = h('input', { id: 'retag-tag', name: 'tag', required: true, pattern: '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}' });
  const button = h('button', { type: 'submit', id: 'retag-submit' }, 'Add tag');
  const form = h('form', { class: 'inline' }, h('label', {}, 'New tag for this manifest', input), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      try {
        await request('PUT', `/api/v1/images/${repoPath(repo)}/tags/${encodeURIComponent(input.value)}`, { body: { source: digest } });
      } catch (err) {
        if (!(err instanceof ApiError && err.missing)) throw err;
        await retagOverDistribution(repo, digest, input.value);
      }
      flash(`Tagged ${repo}:${input.value}`);
      location.hash = '#/image?' + new URLSearchParams({ repo, ref: input.value });
    });
  });
  return h('section', {}, h('h2', {}, 'Retag'), form);
}

/** Without the images API: the manifest's exact bytes PUT under the new tag (same digest). */
async function retagOverDistribution(repo, digest, tag) {
  const manifest = await get(`/v2/${repoPath(repo)}/manifests/${digest}`, { headers: { Accept: MANIFEST_TYPES }, raw: true });
  const type = manifest.headers.get('Content-Type');
  await request('PUT', `/v2/${repoPath(repo)}/manifests/${encodeURIComponent(tag)}`,
    { body: new Blob([await manifest.arrayBuffer()]), headers: { 'Content-Type': type } });
}

function deleteControls(repo, ref, digest, isDigest) {
  const del = async (button, reference, what) => {
    if (!await confirmDialog(`Delete ${what}? This cannot be undone.`)) return;
    await busy(button, async () => {
      await request('DELETE', `/v2/${repoPath(repo)}/manifests/${encodeURIComponent(reference)}`);
      flash(`Deleted ${what}`);
      location.hash = '#/repo?' + new URLSearchParams({ name: repo });
    });
  };
  const buttons = [];
  if (!isDigest) buttons.push(h('button', { type: 'button', class: 'danger', id: 'delete-tag', onclick: e => del(e.target, ref, `tag ${repo}:${ref}`) }, 'Delete tag'));
  buttons.push(h('button', { type: 'button', class: 'danger', id: 'delete-manifest', onclick: e => del(e.target, digest, `manifest ${digest} and all its tags`) }, 'Delete manifest'));
  return h('section', {}, h('h2', {}, 'Delete'), h('p', { class: 'inline' }, buttons));
}

// --- organizations, members, teams, robots
async function organizationsPage() {
  const orgs = await get('/api/v1/orgs');
  const input = h('input', { id: 'org-name', name: 'name', required: true });
  const button = h('button', { type: 'submit', id: 'org-create' }, 'Create organization');
  const form = h('form', { class: 'inline' }, h('label', {}, 'New organization', input), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      await request('POST', '/api/v1/orgs', { body: { name: input.value.trim() } });
      location.hash = '#/org?' + new URLSearchParams({ name: input.value.trim() });
    });
  });
  show('Organizations', form, table(['Organization', 'Created'], orgs.map(o => h('tr', {},
    h('td', {}, link('org', { name: o.name }, o.name)), h('td', {}, when(o.createdAt)))), { id: 'orgs' }));
}

function oneInputForm(label, id, buttonText, action, extra = []) {
  const input = h('input', { id, name: id, required: true });
  const button = h('button', { type: 'submit', id: id + '-submit' }, buttonText);
  const form = h('form', { class: 'inline' }, h('label', {}, label, input), ...extra, button);
  form.addEventListener('submit', e => { e.preventDefault(); busy(button, () => action(input.value.trim(), form)); });
  return form;
}

function secretBox(id, what, secret) {
  return h('div', { class: 'secret', role: 'alert', id },
    h('p', {}, `${what}: copy it now, it is shown only once.`),
    h('p', { class: 'pull' }, h('code', { class: 'token' }, secret), copyButton(secret)));
}

async function organizationPage(q) {
  const name = q.get('name');
  const org = await get('/api/v1/orgs/' + encodeURIComponent(name));
  let robots = [];
  try { robots = await get('/api/v1/robots?namespace=' + encodeURIComponent(name)); } catch { /* members who are not admins */ }
  const reload = () => organizationPage(q);
  const secretSlot = h('div');
  const adminBox = h('input', { type: 'checkbox', name: 'admin', id: 'member-admin' });
  const content = [
    h('h2', {}, 'Members'),
    table(['User', 'Role', ''], org.members.map(m => h('tr', {}, h('td', {}, m.username), h('td', {}, m.admin ? 'admin' : 'member'),
      h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${m.username}`, onclick: async e => {
        if (!await confirmDialog(`Remove ${m.username} from ${name}?`, 'Remove')) return;
        await busy(e.target, async () => { await request('DELETE', `/api/v1/orgs/${name}/members/${encodeURIComponent(m.username)}`); await reload(); });
      } }, 'Remove'))))),
    oneInputForm('Add member (username)', 'member-name', 'Add member', async user => {
      await request('PUT', `/api/v1/orgs/${name}/members/${encodeURIComponent(user)}`, { body: { admin: adminBox.checked } });
      await reload();
    }, [h('label', {}, 'Admin', adminBox)]),
    h('h2', {}, 'Teams'),
    table(['Team'], org.teams.map(t => h('tr', {}, h('td', {}, t)))),
    oneInputForm('New team', 'team-name', 'Create team', async team => {
      await request('POST', `/api/v1/orgs/${name}/teams`, { body: { name: team } });
      await reload();
    }),
    h('h2', {}, 'Robot accounts'),
    table(['Robot', 'Permissions', 'Created'], robots.map(r => h('tr', {}, h('td', { class: 'mono' }, r.name),
      h('td', {}, r.permissions.map(p => `${p.repository}: ${p.role}`).join(', ')), h('td', {}, when(r.createdAt)))), { id: 'robots' }),
    oneInputForm('New robot (name after +)', 'robot-name', 'Create robot', async robot => {
      const created = await request('POST', '/api/v1/robots', { body: { name: `${name}+${robot}` } });
      await reload();
      main.querySelector('#robot-secret-slot').replaceChildren(secretBox('robot-secret', `Token of ${created.name}`, created.token));
    }),
    h('div', { id: 'robot-secret-slot' }, secretSlot),
  ];
  show(`Organization ${name}`, ...content);
}

// --- personal access tokens
async function tokensPage() {
  const tokens = await get('/api/v1/tokens');
  const current = session().tokenId;
  const expiry = h('input', { type: 'date', name: 'expires', id: 'token-expires' });
  show('Personal access tokens',
    h('p', { class: 'muted' }, 'Use a token instead of your password with docker login and the API.'),
    oneInputForm('Token name', 'token-name', 'Create token', async tokenName => {
      const body = { name: tokenName };
      if (expiry.value) body.expiresAt = new Date(expiry.value + 'T00:00:00Z').toISOString();
      const created = await request('POST', '/api/v1/tokens', { body });
      await tokensPage();
      main.append(secretBox('token-secret', `Token ${created.name}`, created.token));
    }, [h('label', {}, 'Expires (optional)', expiry)]),
    table(['Name', 'Created', 'Expires', 'Last used', ''], tokens.map(t => h('tr', {},
      h('td', {}, t.name, t.id === current ? ' (this session)' : ''), h('td', {}, when(t.createdAt)), h('td', {}, when(t.expiresAt) || 'never'),
      h('td', {}, when(t.lastUsedAt)),
      h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Revoke ${t.name}`, onclick: async e => {
        if (!await confirmDialog(`Revoke token ${t.name}?`, 'Revoke')) return;
        await busy(e.target, async () => { await request('DELETE', '/api/v1/tokens/' + t.id); await tokensPage(); });
      } }, 'Revoke'))))));
}

// --- audit log (site admins)
async function auditPage(q) {
  const params = new URLSearchParams({ limit: '50' });
  for (const k of ['actor', 'repository', 'action', 'before']) if (q.get(k)) params.set(k, q.get(k));
  const page = await get('/api/v1/audit?' + params);
  const form = h('form', { class: 'inline' },
    ['actor', 'repository', 'action'].map(k => field(k[0].toUpperCase() + k.slice(1), { name: k, value: q.get(k) || '' })),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const f = new URLSearchParams();
    for (const k of ['actor', 'repository', 'action']) if (form[k].value) f.set(k, form[k].value);
    location.hash = '#/audit?' + f;
  });
  const rows = page.entries.map(e => h('tr', {}, h('td', {}, when(e.at)), h('td', {}, e.action), h('td', {}, e.actor),
    h('td', {}, e.repository || e.namespace || ''), h('td', { class: 'mono hide-narrow' }, e.detail ? JSON.stringify(e.detail) : '')));
  const more = page.next ? h('p', {}, h('a', { href: '#/audit?' + new URLSearchParams({ ...Object.fromEntries(params), before: new URL(page.next, location.origin).searchParams.get('before') }) }, 'Older entries')) : '';
  show('Audit log', form, table(['When', 'Action', 'Actor', 'Where', 'Detail'], rows, { id: 'audit' }), more);
}

window.addEventListener('hashchange', route);
route();
