import { svg } from './dom.js'

/** Scores as horizontal bars (negative scores grow left of the zero line); the highlighted one is the predicted class. */
export function barChart(values: readonly number[], labels: readonly string[], highlight: number): SVGElement {
  const rowHeight = 22
  const labelWidth = 90
  const valueWidth = 70
  const plotWidth = 320
  const min = Math.min(0, ...values)
  const max = Math.max(0, ...values)
  const span = max - min || 1
  const x = (v: number) => labelWidth + ((v - min) / span) * plotWidth
  const zero = x(0)
  const rows = values.map((value, i) => {
    const left = Math.min(zero, x(value))
    const width = Math.max(1, Math.abs(x(value) - zero))
    const y = i * rowHeight
    return svg(
      'g',
      { class: i === highlight ? 'bar bar-top' : 'bar', 'data-class': i },
      svg('text', { x: labelWidth - 8, y: y + 15, 'text-anchor': 'end' }, labels[i] ?? String(i)),
      svg('rect', { x: left, y: y + 4, width, height: rowHeight - 8, rx: 2 }),
      svg('text', { x: labelWidth + plotWidth + 8, y: y + 15 }, value.toFixed(3)),
    )
  })
  const height = values.length * rowHeight
  return svg(
    'svg',
    { class: 'bar-chart', viewBox: `0 0 ${labelWidth + plotWidth + valueWidth} ${height}`, width: labelWidth + plotWidth + valueWidth, height, role: 'img', 'aria-label': 'output scores' },
    svg('line', { x1: zero, x2: zero, y1: 0, y2: height, class: 'zero' }),
    ...rows,
  )
}
