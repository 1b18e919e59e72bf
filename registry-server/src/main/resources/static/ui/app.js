// The single-page Web UI: hash routes (#/repo?name=...) so the server only serves static files.
import { ApiError, get, request, session, login, logout } from './api.js';
import { h, status, takeFlash, busy, confirmDialog, table, field, when, link, oneInputForm, secretBox } from './dom.js';
import { repositoriesPage, repositoryPage, imagePage } from './images.js';
import { buildsPage, buildPage } from './builds.js';
import { teamPage } from './teams.js';
import { usagePage, gcPage } from './storage.js';
import { retentionPage } from './retention.js';
import { webhooksPage } from './webhooks.js';

const main = document.getElementById('main');

function show(title, ...content) {
  document.title = title + ' · Stevedore';
  main.replaceChildren(h('h1', {}, title), ...content);
  main.focus({ preventScroll: true });
}

const routes = {
  '': repositoriesPage, repo: repositoryPage, image: imagePage, orgs: organizationsPage, org: organizationPage,
  tokens: tokensPage, audit: auditPage, builds: buildsPage, build: buildPage, team: teamPage,
  usage: usagePage, gc: gcPage, retention: retentionPage, webhooks: webhooksPage,
};

async function route() {
  status(takeFlash());
  const s = session();
  document.getElementById('nav').hidden = !s;
  if (!s) return loginPage();
  document.getElementById('who').textContent = s.username;
  for (const id of ['nav-audit', 'nav-gc']) document.getElementById(id).hidden = !s.admin;
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
    h('p', {}, link('webhooks', { namespace: name }, `Webhooks of ${name}`), ' · ', link('retention', { namespace: name }, 'Retention and immutable tags'),
      ' · ', link('usage', { namespace: name }, 'Storage usage')),
    h('h2', {}, 'Teams'),
    table(['Team'], org.teams.map(t => h('tr', {}, h('td', {}, link('team', { org: name, name: t }, t)))), { id: 'teams' }),
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
