import { getJson, type OperatorList } from './api.js'
import { badge, formatEth, h, replaceChildren, shortHex } from './dom.js'

/** The registered operators: stake, locks, activity, and their nodes' health as the explorer saw it. */
export async function operatorsPage(main: HTMLElement): Promise<void> {
  const list = await getJson<OperatorList>('/api/operators')
  const uptime = (node: OperatorList['operators'][number]['node']) =>
    node ? h('span', {}, badge(node.state), ` ${node.uptime === undefined ? '–' : `${Math.round(node.uptime * 100)}%`} of ${node.checks} checks`, h('br'), h('span', { class: 'muted small' }, node.url)) : h('span', { class: 'muted' }, 'no node URL')
  replaceChildren(
    main,
    h('h1', {}, 'Operators'),
    h('p', { class: 'muted small' }, list.nodeUrls.length ? `Uptime: the share of the explorer's /health checks (every few seconds since it started) that found the node healthy; nodes from --node-urls, matched to operators by the address their /health reports.` : 'No node URLs were given (--node-urls): the contracts hold none, so uptime is not shown.'),
    h(
      'table',
      { class: 'operators' },
      h('thead', {}, h('tr', {}, ...['#', 'operator', 'state', 'stake', 'locked', 'unbonding', 'rewards', 'attestations', 'proofs', 'slashes', 'node uptime'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...list.operators.map((o) =>
          h(
            'tr',
            { 'data-operator': o.account },
            h('td', {}, o.index),
            h('td', {}, shortHex(o.account)),
            h('td', {}, o.slashed ? badge('slashed') : o.active ? badge('active') : badge('inactive')),
            h('td', {}, formatEth(o.stake)),
            h('td', {}, formatEth(o.locked)),
            h('td', {}, formatEth(o.unbonding)),
            h('td', {}, formatEth(o.rewards)),
            h('td', {}, o.attestations),
            h('td', {}, o.proofs),
            h('td', {}, o.slashes.length ? o.slashes.map((s) => h('div', { class: 'bad' }, `${formatEth(s.amount)} at block ${s.blockNumber}`)) : '0'),
            h('td', {}, uptime(o.node)),
          ),
        ),
      ),
    ),
    list.unmatchedNodes.length
      ? [h('h2', {}, 'Nodes of no registered operator'), h('ul', {}, ...list.unmatchedNodes.map((n) => h('li', {}, badge(n.state), ` ${n.url} ${n.operator ? `(operator ${n.operator})` : ''} ${n.lastError ?? ''}`)))]
      : null,
  )
}
