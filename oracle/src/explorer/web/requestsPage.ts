import { getJson, type ModelRow, type RequestList, type RequestRow } from './api.js'
import { badge, formatEth, formatSeconds, h, replaceChildren, shortHex } from './dom.js'

const STATUSES = ['final', 'pending', 'open', 'expired', 'requested', 'attested', 'fulfilled', 'finalized', 'refunded']
const REFRESH_MS = 2_000

/**
 * The live list of requests, newest first, refreshed every 2 s, filtered by status, mode and model.
 * The filters live in the query string, so a filtered list can be linked to.
 */
export async function requestsPage(main: HTMLElement): Promise<void> {
  const query = new URLSearchParams(location.search)
  const models = await getJson<{ models: ModelRow[] }>('/api/models').then(
    (r) => r.models,
    () => [] as ModelRow[],
  )
  const nameOf = new Map(models.map((m) => [m.modelId.toLowerCase(), m.name ?? m.modelId.slice(0, 10)]))
  const select = (name: string, label: string, options: [string, string][]) =>
    h('label', {}, `${label} `, h('select', { name, 'data-filter': name }, h('option', { value: '' }, 'any'), ...options.map(([value, text]) => h('option', { value, selected: query.get(name) === value }, text))))
  const form = h(
    'form',
    { class: 'filters', onchange: () => void update(true) },
    select(
      'status',
      'Status',
      STATUSES.map((s) => [s, s]),
    ),
    select('mode', 'Mode', [
      ['zk', 'zk'],
      ['attested', 'attested'],
    ]),
    select(
      'model',
      'Model',
      models.map((m) => [m.modelId, `${m.name ?? 'model'} ${m.modelId.slice(0, 10)}…`]),
    ),
  )
  const summary = h('p', { class: 'muted', id: 'list-summary' })
  const body = h('tbody', { id: 'requests-body' })
  const table = h(
    'table',
    { class: 'requests' },
    h('thead', {}, h('tr', {}, ...['Request', 'Status', 'Mode', 'Model', 'Fee', 'Latency', 'Fulfiller / signers', 'Requested'].map((t) => h('th', {}, t)))),
    body,
  )
  replaceChildren(main, h('h1', {}, 'Requests'), form, summary, table)

  const filters = () => {
    const data = new FormData(form)
    const params = new URLSearchParams()
    for (const name of ['status', 'mode', 'model']) {
      const value = data.get(name)
      if (typeof value === 'string' && value) params.set(name, value)
    }
    return params
  }
  let timer: number | undefined
  const update = async (filtersChanged = false) => {
    clearTimeout(timer)
    const params = filters()
    if (filtersChanged) history.replaceState(null, '', params.size ? `/?${params}` : '/')
    try {
      const list = await getJson<RequestList>(`/api/requests?${params}`)
      replaceChildren(summary, `${list.total} request${list.total === 1 ? '' : 's'}${params.size ? ' matching' : ''} · block ${list.head.number} · refreshed ${new Date().toLocaleTimeString()}`)
      replaceChildren(body, list.requests.length ? list.requests.map((r) => row(r, nameOf)) : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No requests yet.')))
    } catch (error) {
      replaceChildren(summary, h('span', { class: 'error-message' }, (error as Error).message))
    }
    timer = window.setTimeout(() => void update(), REFRESH_MS)
  }
  await update()
}

function row(r: RequestRow, nameOf: Map<string, string>): HTMLElement {
  const who = r.fulfiller ? [shortHex(r.fulfiller)] : r.signers.length ? r.signers.map((s) => shortHex(s)) : [h('span', { class: 'muted' }, '–')]
  return h(
    'tr',
    { 'data-request': r.requestId },
    h('td', {}, h('a', { href: `/requests/${r.requestId}` }, `#${r.requestId}`)),
    h('td', {}, badge(r.status), ' ', r.finality === r.status ? null : badge(r.finality), r.disputed ? badge('disputed') : null),
    h('td', {}, r.mode === 'attested' ? `attested (${r.quorum})` : 'zk'),
    h('td', {}, h('a', { href: `/models/${r.modelId}` }, nameOf.get(r.modelId.toLowerCase()) ?? r.modelId.slice(0, 10))),
    h('td', {}, formatEth(r.fee)),
    h('td', {}, formatSeconds(r.latencySeconds)),
    h('td', { class: 'who' }, ...who),
    h('td', {}, r.requestedAt ? new Date(r.requestedAt * 1000).toLocaleTimeString() : '–'),
  )
}
