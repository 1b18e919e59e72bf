// Build triggers of a repository: a git repository whose pushes (announced by a GitHub, GitLab or
// signed generic webhook) start builds. The webhook secret is shown once, when it is created.
import { ApiError, get, request } from './api.js';
import { h, status, busy, confirmDialog, table, field, when, secretBox, commaList, kv } from './dom.js';

const API = '/api/v1/builds/triggers';

export async function triggersSection(repository, reload) {
  let triggers;
  try {
    triggers = await get(`${API}?` + new URLSearchParams({ repository }));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) throw e;
    return h('section', {}, h('h2', {}, 'Build triggers'), h('p', { class: 'muted' }, e.message));
  }
  const rows = triggers.map(t => h('tr', {},
    h('td', {}, '#' + t.id), h('td', { class: 'mono' }, t.git.url),
    h('td', {}, [...t.branches.map(b => `branch ${b}`), ...t.tags.map(x => `tag ${x}`)].join(', ')),
    h('td', {}, t.tagTemplates.join(', ') + (t.latest ? ', latest' : '')),
    h('td', {}, t.enabled ? 'enabled' : 'disabled'),
    h('td', {}, actions(t, reload))));
  return h('section', {}, h('h2', {}, 'Build triggers'),
    h('p', { class: 'muted' }, 'A push to a matching branch or tag of the git repository builds it and pushes the image here.'),
    table(['Trigger', 'Git repository', 'Builds on', 'Tagged', 'State', ''], rows, { id: 'triggers' }),
    h('div', { id: 'trigger-secret-slot' }), h('h3', {}, 'New trigger'), createForm(repository, reload));
}

function actions(trigger, reload) {
  const deliveries = h('div', { 'aria-live': 'polite' });
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-label': `${trigger.enabled ? 'Disable' : 'Enable'} trigger ${trigger.id}`,
    onclick: e => busy(e.target, async () => {
      await request('PATCH', `${API}/${trigger.id}`, { body: { enabled: !trigger.enabled } });
      await reload();
    }) }, trigger.enabled ? 'Disable' : 'Enable');
  const remove = h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete trigger ${trigger.id}`, onclick: async e => {
    if (!await confirmDialog(`Delete trigger #${trigger.id} (${trigger.git.url})? Its webhook stops working.`)) return;
    await busy(e.target, async () => { await request('DELETE', `${API}/${trigger.id}`); await reload(); });
  } }, 'Delete');
  const show = h('button', { type: 'button', class: 'secondary', 'aria-label': `Deliveries of trigger ${trigger.id}`,
    onclick: e => busy(e.target, async () => {
      const list = await get(`${API}/${trigger.id}/deliveries?n=10`);
      deliveries.replaceChildren(table(['Received', 'Ref', 'Outcome', 'Build'], list.map(d => h('tr', {},
        h('td', {}, when(d.receivedAt)), h('td', {}, d.ref || ''), h('td', {}, d.outcome + (d.reason ? `: ${d.reason}` : '')),
        h('td', {}, d.build ? h('a', { href: '#/build?' + new URLSearchParams({ id: d.build }) }, '#' + d.build) : '')))));
    }) }, 'Deliveries');
  return h('div', {}, h('p', { class: 'inline' }, toggle, ' ', remove, ' ', show), deliveries);
}

function createForm(repository, reload) {
  const url = field('Git repository URL', { id: 'trigger-git-url', name: 'url', required: true, placeholder: 'https://github.com/acme/app.git' });
  const branches = field('Branches (glob patterns, comma separated)', { id: 'trigger-branches', name: 'branches', value: 'main' });
  const tags = field('Git tags (glob patterns, comma separated)', { id: 'trigger-tags', name: 'tags', placeholder: 'v*' });
  const templates = field('Image tags (templates, comma separated)', { id: 'trigger-templates', name: 'templates', value: '{branch}, {tag}' });
  const dockerfile = field('Dockerfile', { id: 'trigger-dockerfile', name: 'dockerfile', value: 'Dockerfile' });
  const latest = h('input', { type: 'checkbox', id: 'trigger-latest', name: 'latest' });
  const secret = field('Git token or deploy key (private repositories only)', { id: 'trigger-git-secret', name: 'secret', type: 'password', autocomplete: 'off' });
  const button = h('button', { type: 'submit', id: 'trigger-create' }, 'Create trigger');
  const form = h('form', { class: 'inline' }, url, branches, tags, templates, dockerfile,
    h('label', {}, 'Also tag latest on the default branch', latest), secret, button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      const value = name => form.elements[name].value.trim();
      const body = { repository, git: { url: value('url') }, branches: commaList(value('branches')), tags: commaList(value('tags')),
        tagTemplates: commaList(value('templates')), dockerfile: value('dockerfile') || 'Dockerfile', latest: latest.checked };
      if (form.elements.secret.value) body.git.secret = form.elements.secret.value;
      const created = await request('POST', API, { body });
      await reload();
      status(`Trigger #${created.id} created`);
      document.getElementById('trigger-secret-slot').replaceChildren(secretBox('trigger-secret', `Webhook secret of trigger #${created.id}`,
        created.secret, h('p', {}, 'Webhook URLs (give the secret to the sender):'),
        kv(Object.entries(created.webhooks).map(([source, address]) => [source, h('code', { class: 'webhook-url' }, address)]), { id: 'trigger-webhooks' })));
    });
  });
  return form;
}
