// Outbound webhooks of a namespace or a repository (docs/webhooks.md): create (the generated
// signing secret is shown once), ping, enable/disable, delete, recent deliveries.
import { get, request } from './api.js';
import { h, status, busy, confirmDialog, table, field, when, secretBox } from './dom.js';

const EVENTS = ['push', 'delete', 'build'];

export async function webhooksPage(q, { show }) {
  const repository = q.get('repository') || '';
  const namespace = q.get('namespace') || '';
  const kind = h('select', { id: 'webhooks-kind', name: 'kind' },
    h('option', { value: 'repository', selected: !namespace }, 'Repository'), h('option', { value: 'namespace', selected: !!namespace }, 'Namespace'));
  const name = h('input', { id: 'webhooks-target', name: 'target', required: true, value: repository || namespace });
  const pick = h('form', { class: 'inline' }, h('label', {}, 'Webhooks of a', kind), h('label', {}, 'Name', name),
    h('button', { type: 'submit' }, 'Show'));
  pick.addEventListener('submit', e => {
    e.preventDefault();
    location.hash = '#/webhooks?' + new URLSearchParams({ [kind.value]: name.value.trim() });
  });
  const content = [pick];
  if (repository || namespace) {
    const target = repository ? { repository } : { namespace };
    const reload = () => webhooksPage(q, { show });
    const hooks = await get('/api/v1/webhooks?' + new URLSearchParams(target));
    content.push(table(['Target URL', 'Events', 'State', 'Created', ''], hooks.map(w => h('tr', {},
      h('td', { class: 'mono' }, w.url), h('td', {}, w.events.join(', ')), h('td', {}, w.enabled ? 'enabled' : 'disabled'),
      h('td', {}, `${when(w.createdAt)} by ${w.createdBy}`), h('td', {}, actions(w, reload)))), { id: 'webhooks' }),
    h('div', { id: 'webhook-secret-slot' }), h('h2', {}, 'New webhook'), createForm(target, reload));
  }
  show('Webhooks', ...content);
}

function actions(webhook, reload) {
  const deliveries = h('div', { 'aria-live': 'polite' });
  const showDeliveries = async () => {
    const page = await get(`/api/v1/webhooks/${webhook.id}/deliveries?limit=10`);
    deliveries.replaceChildren(table(['Event', 'Status', 'Response', 'Queued'], page.deliveries.map(d => h('tr', {},
      h('td', {}, d.type), h('td', {}, d.status + (d.error ? `: ${d.error}` : '')), h('td', {}, d.responseCode ?? ''),
      h('td', {}, when(d.createdAt))))));
  };
  const button = (label, aria, action) => h('button', { type: 'button', class: 'secondary', 'aria-label': aria,
    onclick: e => busy(e.target, action) }, label);
  return h('div', {}, h('p', { class: 'inline' },
    webhook.enabled ? button('Ping', `Ping ${webhook.url}`, async () => {
      await request('POST', `/api/v1/webhooks/${webhook.id}/ping`);
      status(`Ping queued for ${webhook.url}`);
      await showDeliveries();
    }) : '',
    button(webhook.enabled ? 'Disable' : 'Enable', `${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.url}`, async () => {
      await request('PATCH', `/api/v1/webhooks/${webhook.id}`, { body: { enabled: !webhook.enabled } });
      await reload();
    }),
    button('Deliveries', `Deliveries to ${webhook.url}`, showDeliveries),
    h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${webhook.url}`, onclick: async e => {
      if (!await confirmDialog(`Delete the webhook to ${webhook.url}?`)) return;
      await busy(e.target, async () => { await request('DELETE', `/api/v1/webhooks/${webhook.id}`); await reload(); });
    } }, 'Delete')), deliveries);
}

function createForm(target, reload) {
  const url = field('Target URL', { id: 'webhook-url', name: 'url', type: 'url', required: true, placeholder: 'https://ci.example.com/hooks/registry' });
  const boxes = EVENTS.map(event => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'events', value: event, checked: event === 'push' }), event));
  const button = h('button', { type: 'submit', id: 'webhook-create' }, 'Create webhook');
  const form = h('form', { class: 'inline' }, url, h('fieldset', {}, h('legend', {}, 'Events'), boxes), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      const events = [...form.querySelectorAll('input[name=events]:checked')].map(x => x.value);
      const created = await request('POST', '/api/v1/webhooks', { body: { ...target, url: form.elements.url.value.trim(), events } });
      await reload();
      status(`Webhook to ${created.url} created`);
      document.getElementById('webhook-secret-slot').replaceChildren(
        secretBox('webhook-secret', `Signing secret of the webhook to ${created.url}`, created.secret));
    });
  });
  return form;
}
