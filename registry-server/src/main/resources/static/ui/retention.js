// Retention policies and immutable tag rules of a repository or a namespace: edit, dry run
// (what a run would delete, and why), run; immutable tag patterns (tags nobody may overwrite or
// delete, which retention never deletes either).
import { ApiError, get, request, repoPath } from './api.js';
import { h, status, busy, confirmDialog, table, when, link, kv, commaList } from './dom.js';

export async function retentionPage(q, { show }) {
  const repository = q.get('repository') || '';
  const namespace = q.get('namespace') || '';
  const kind = h('select', { id: 'retention-kind', name: 'kind' },
    h('option', { value: 'repository', selected: !namespace }, 'Repository'), h('option', { value: 'namespace', selected: !!namespace }, 'Namespace'));
  const name = h('input', { id: 'retention-target', name: 'target', required: true, value: repository || namespace });
  const pick = h('form', { class: 'inline' }, h('label', {}, 'Policy of a', kind), h('label', {}, 'Name', name),
    h('button', { type: 'submit' }, 'Show'));
  pick.addEventListener('submit', e => {
    e.preventDefault();
    location.hash = '#/retention?' + new URLSearchParams({ [kind.value]: name.value.trim() });
  });
  const content = [pick];
  if (repository || namespace) {
    const target = repository ? { kind: 'repositories', name: repository, path: repoPath(repository) }
      : { kind: 'namespaces', name: namespace, path: encodeURIComponent(namespace) };
    const reload = () => retentionPage(q, { show });
    content.push(await policySection(target, reload), await immutableSection(target, reload));
  }
  show('Retention and immutable tags', ...content);
}

async function orNull(promise) {
  try { return await promise; } catch (e) { if (e instanceof ApiError && e.status === 404) return null; throw e; }
}

async function policySection(target, reload) {
  const policy = await orNull(get(`/api/v1/retention/${target.kind}/${target.path}`));
  // a repository without its own policy follows its namespace's ("namespace alice")
  const inherited = !!policy && policy.appliesFrom !== `${target.kind.replace(/ies$/, 'y').replace(/s$/, '')} ${target.name}`;
  const keep = h('textarea', { id: 'retention-keep', name: 'keep', rows: 3,
    placeholder: 'v* 10\n* 30' }, (policy && !inherited ? policy.keep : []).map(k => `${k.pattern} ${k.last}`).join('\n'));
  const protect = h('input', { id: 'retention-protect', name: 'protect', value: policy && !inherited ? policy.protect.join(', ') : '', placeholder: 'latest, stable' });
  const untagged = h('input', { id: 'retention-untagged', name: 'untagged', value: policy && !inherited ? policy.untaggedOlderThan || '' : '', placeholder: '7d' });
  const save = h('button', { type: 'submit', id: 'retention-save' }, 'Save policy');
  const form = h('form', { class: 'stack' },
    h('label', {}, 'Keep rules: one per line, a tag pattern and how many of its most recently pushed tags to keep', keep),
    h('label', {}, 'Protected tag patterns, never deleted (comma separated)', protect),
    h('label', {}, 'Delete untagged manifests older than (e.g. 7d, 12h; empty: keep them)', untagged), h('p', {}, save));
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(save, async () => {
      const body = { keep: keepRules(keep.value), protect: commaList(protect.value) };
      if (untagged.value.trim()) body.untaggedOlderThan = untagged.value.trim();
      await request('PUT', `/api/v1/retention/${target.kind}/${target.path}`, { body });
      await reload();
      status(`Retention policy of ${target.name} saved`);
    });
  });
  const result = h('div', { id: 'retention-result', 'aria-live': 'polite' });
  const dryRun = h('button', { type: 'button', class: 'secondary', id: 'retention-dry-run', disabled: !policy }, 'Dry run: show what would be deleted');
  dryRun.addEventListener('click', () => busy(dryRun, async () => {
    result.replaceChildren(runResult(await request('POST', `/api/v1/retention/run/${target.kind}/${target.path}?dryRun=true`)));
    result.scrollIntoView({ block: 'start' });
  }));
  const run = h('button', { type: 'button', class: 'danger', id: 'retention-run', disabled: !policy }, 'Run now');
  run.addEventListener('click', async () => {
    if (!await confirmDialog(`Delete now what the retention policy of ${target.name} selects?`, 'Run')) return;
    await busy(run, async () => {
      result.replaceChildren(runResult(await request('POST', `/api/v1/retention/run/${target.kind}/${target.path}`)));
      result.scrollIntoView({ block: 'start' });
    });
  });
  const actions = [h('p', { class: 'inline' }, dryRun, ' ', run)];
  if (policy && !inherited) {
    actions.push(h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'retention-delete', onclick: async ev => {
      if (!await confirmDialog(`Delete the retention policy of ${target.name}?`)) return;
      await busy(ev.target, async () => {
        await request('DELETE', `/api/v1/retention/${target.kind}/${target.path}`);
        await reload();
        status(`Retention policy of ${target.name} deleted`);
      });
    } }, 'Delete policy')));
  }
  return h('section', {}, h('h2', {}, `Retention policy of ${target.name}`), describe(policy, inherited), form, ...actions, result);
}

function describe(policy, inherited) {
  if (!policy) return h('p', { class: 'muted', id: 'retention-policy' }, 'No retention policy applies: nothing is deleted automatically.');
  return kv([
    ['Applies from', policy.appliesFrom + (inherited ? ' (set a policy here to override it)' : '')],
    ['Keep', policy.keep.map(k => `last ${k.last} of ${k.pattern}`).join('; ') || 'no rule'],
    ['Protected', policy.protect.join(', ') || 'none'],
    ['Untagged manifests', policy.untaggedOlderThan ? `deleted after ${policy.untaggedOlderThan}` : 'kept'],
    ['Updated', `${when(policy.updatedAt)} by ${policy.updatedBy}`],
    ['Last run', policy.lastRun ? `${when(policy.lastRun.at)}: ${policy.lastRun.tags} tags, ${policy.lastRun.manifests} manifests deleted` : 'never'],
  ], { id: 'retention-policy' });
}

/** Lines of "pattern count" into keep rules. */
function keepRules(text) {
  return text.split('\n').map(line => line.trim()).filter(Boolean).map(line => {
    const m = line.match(/^(\S+)\s+(\d+)$/);
    if (!m) throw new Error(`Keep rule "${line}": write a tag pattern, a space and a number, e.g. "v* 10"`);
    return { pattern: m[1], last: Number(m[2]) };
  });
}

function runResult(run) {
  const tags = run.repositories.flatMap(r => r.tags.map(t => ({ repository: r.repository, ...t })));
  const manifests = run.repositories.flatMap(r => r.manifests.map(m => ({ repository: r.repository, ...m })));
  const skipped = run.repositories.flatMap(r => (r.skipped || []).map(s => `${r.repository}: ${s}`));
  const verb = run.dryRun ? 'would be deleted' : 'deleted';
  return h('div', {}, h('h3', {}, run.dryRun ? 'Dry run: nothing was deleted' : 'Run finished'),
    h('p', { id: 'retention-summary' }, `${tags.length} tags and ${manifests.length} manifests ${verb}.`),
    table(['Repository', 'Tag', 'Digest', 'Pushed', 'Why'], tags.map(t => h('tr', {},
      h('td', {}, link('repo', { name: t.repository }, t.repository)), h('td', {}, t.tag), h('td', { class: 'mono' }, t.digest.slice(0, 19)),
      h('td', {}, when(t.pushedAt)), h('td', {}, t.reason))), { id: 'retention-tags' }),
    manifests.length ? table(['Repository', 'Manifest', 'Why'], manifests.map(m => h('tr', {},
      h('td', {}, m.repository), h('td', { class: 'mono' }, m.digest.slice(0, 19)), h('td', {}, m.reason))), { id: 'retention-manifests' }) : '',
    skipped.length ? h('ul', {}, skipped.map(s => h('li', {}, s))) : '');
}

async function immutableSection(target, reload) {
  const rules = await orNull(get(`/api/v1/immutable-tags/${target.kind}/${target.path}`)) || { patterns: [] };
  const patterns = h('input', { id: 'immutable-patterns', name: 'patterns', value: rules.patterns.join(', '), placeholder: 'v*, release-*' });
  const save = h('button', { type: 'submit', id: 'immutable-save' }, 'Save immutable tags');
  const form = h('form', { class: 'inline' }, h('label', {}, 'Immutable tag patterns (comma separated)', patterns), save);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(save, async () => {
      const list = commaList(patterns.value);
      if (list.length) await request('PUT', `/api/v1/immutable-tags/${target.kind}/${target.path}`, { body: { patterns: list } });
      else await orNull(request('DELETE', `/api/v1/immutable-tags/${target.kind}/${target.path}`));
      await reload();
      status(list.length ? `Tags of ${target.name} matching ${list.join(', ')} are immutable` : `No immutable tags in ${target.name}`);
    });
  });
  const inherited = rules.namespacePatterns && rules.namespacePatterns.length
    ? h('p', {}, `From the namespace: ${rules.namespacePatterns.join(', ')}`) : '';
  return h('section', {}, h('h2', {}, 'Immutable tags'),
    h('p', { class: 'muted' }, 'A tag matching one of these patterns can be pushed once and never overwritten or deleted.'),
    h('p', { id: 'immutable-rules' }, rules.patterns.length ? `Immutable here: ${rules.patterns.join(', ')}` : 'No immutable tag patterns here.'),
    inherited, form);
}
