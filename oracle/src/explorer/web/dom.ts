/** A child of an element: text, an element, or nothing. */
export type Child = Node | string | number | false | null | undefined

/** Creates an element with attributes (`on*` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, unknown> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false || value === null) continue
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value as EventListener)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

export function append(parent: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    parent.append(typeof child === 'number' ? String(child) : child)
  }
}

/** An SVG element (bar charts). */
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: (SVGElement | string)[]): SVGElement {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  element.append(...children)
  return element
}

/** 0x1234…abcd, with the whole value in the title. */
export function shortHex(hex: string | undefined, keep = 6): HTMLElement {
  if (!hex) return h('span', { class: 'muted' }, '–')
  return h('code', { title: hex, class: 'hex' }, hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep + 2)}` : hex)
}

/** Wei (a decimal string) in ETH, trimmed. */
export function formatEth(wei: string | undefined): string {
  if (wei === undefined) return '–'
  const value = BigInt(wei)
  const whole = value / 10n ** 18n
  const fraction = (value % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '').slice(0, 6)
  return `${whole}${fraction ? `.${fraction}` : ''} ETH`
}

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '–'
  return seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`
}

export function formatTime(seconds: number | undefined): string {
  return seconds ? new Date(seconds * 1000).toLocaleString() : '–'
}

/** A status word in a colored pill; `data-status` lets tests and styles find it. */
export function badge(text: string, kind = text): HTMLElement {
  return h('span', { class: `badge badge-${kind}`, 'data-status': text }, text)
}

/** A two-column table of facts. */
export function facts(rows: [string, Child | Child[]][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, ...(Array.isArray(value) ? value : [value]))]))
}

export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  return h('section', { class: 'card', 'data-section': title.toLowerCase().replace(/[^a-z]+/g, '-') }, h('h2', {}, title), ...children)
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren()
  append(parent, children)
}
