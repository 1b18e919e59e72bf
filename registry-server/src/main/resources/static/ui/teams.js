// One team of an organization: its members (users or the organization's robots) and the roles it
// holds on the organization's repositories (or on all of them).
import { get, request } from './api.js';
import { h, status, busy, confirmDialog, table, link, oneInputForm } from './dom.js';

const ROLES = ['read', 'write', 'admin'];

export async function teamPage(q, { show }) {
  const org = q.get('org'); const name = q.get('name');
  const path = `/api/v1/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(name)}`;
  const team = await get(path);
  const reload = message => teamPage(q, { show }).then(() => status(message));
  const removeButton = (label, question, action) => h('button', { type: 'button', class: 'secondary', 'aria-label': label,
    onclick: async e => {
      if (!await confirmDialog(question, 'Remove')) return;
      await busy(e.target, action);
    } }, 'Remove');

  const members = table(['Member', ''], team.members.map(m => h('tr', {}, h('td', {}, m),
    h('td', {}, removeButton(`Remove ${m} from ${name}`, `Remove ${m} from team ${name}?`, async () => {
      await request('DELETE', `${path}/members/${encodeURIComponent(m)}`);
      await reload(`Removed ${m} from ${name}`);
    })))), { id: 'team-members' });
  const addMember = oneInputForm('Add member (user, or robot of this organization)', 'team-member', 'Add to team', async member => {
    await request('PUT', `${path}/members/${encodeURIComponent(member)}`);
    await reload(`Added ${member} to ${name}`);
  });

  const permissions = table(['Repository', 'Role', ''], team.permissions.map(p => {
    const on = p.repository || `all repositories of ${org}`;
    return h('tr', {}, h('td', {}, p.repository ? link('repo', { name: p.repository }, p.repository) : on), h('td', {}, p.role),
      h('td', {}, removeButton(`Revoke ${p.role} on ${on}`, `Revoke ${name}'s ${p.role} role on ${on}?`, async () => {
        await request('DELETE', `${path}/permissions` + (p.repository ? '?' + new URLSearchParams({ repository: p.repository }) : ''));
        await reload(`Revoked ${p.role} on ${on}`);
      })));
  }), { id: 'team-permissions' });
  const repository = h('input', { id: 'grant-repository', name: 'repository', placeholder: `${org}/app` });
  const role = h('select', { id: 'grant-role', name: 'role' }, ROLES.map(r => h('option', { value: r }, r)));
  const grant = h('button', { type: 'submit', id: 'grant-submit' }, 'Grant');
  const grantForm = h('form', { class: 'inline' },
    h('label', {}, 'Repository (empty: every repository of the organization)', repository), h('label', {}, 'Role', role), grant);
  grantForm.addEventListener('submit', e => {
    e.preventDefault();
    busy(grant, async () => {
      const body = { role: role.value };
      const repo = repository.value.trim();
      if (repo) body.repository = repo.includes('/') ? repo : `${org}/${repo}`;
      await request('PUT', `${path}/permissions`, { body });
      await reload(`Granted ${role.value} on ${body.repository || 'every repository of ' + org} to ${name}`);
    });
  });

  show(`Team ${name} of ${org}`, h('p', {}, link('org', { name: org }, `Back to ${org}`)),
    h('h2', {}, 'Members'), members, addMember,
    h('h2', {}, 'Repository permissions'), permissions, grantForm);
}
