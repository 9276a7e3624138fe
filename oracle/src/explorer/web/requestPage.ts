import { getJson, type RequestPage, type VerificationKeyBytes } from './api.js'
import { barChart } from './barChart.js'
import { badge, facts, formatEth, formatSeconds, formatTime, h, replaceChildren, section, shortHex, type Child } from './dom.js'
import { imageSide, inputImage } from './inputImage.js'
import { loadSnarkjs } from './loadSnarkjs.js'
import { checkProof } from './proofCheck.js'

const REFRESH_MS = 2_000

/** One request: refreshed every 2 s until its result is final (or it expired or was refunded). */
export async function requestPage(main: HTMLElement, id: string): Promise<void> {
  let shown = ''
  for (;;) {
    const detail = await getJson<RequestPage>(`/api/requests/${id}`)
    // Redraw only on a change, so a verification's outcome on the page stays while nothing moves.
    const state = `${detail.status}/${detail.events.length}/${detail.disputes.length}`
    if (state !== shown) {
      shown = state
      replaceChildren(main, ...render(detail))
    }
    if (detail.finality === 'final' || detail.finality === 'refunded' || detail.finality === 'expired') return
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS))
  }
}

function render(d: RequestPage): Child[] {
  const model = d.model
  return [
    h('h1', {}, `Request #${d.requestId} `, badge(d.status), ' ', d.finality === d.status ? null : h('span', { id: 'finality' }, badge(d.finality))),
    section(
      'Request',
      facts([
        ['model', [h('a', { href: `/models/${d.modelId}` }, model.name ?? 'model'), ' ', shortHex(d.modelId)]],
        ['mode', d.mode === 'attested' ? `attested, quorum ${d.quorum}` : 'zk (a proof only)'],
        ['requester', shortHex(d.requester)],
        ['payer', shortHex(d.payer)],
        ['callback', d.callback ? [shortHex(d.callback), d.callbackFailed ? h('span', { class: 'bad' }, ' (failed)') : null] : 'none'],
        ['fee', formatEth(d.fee)],
        ['value at risk', d.mode === 'attested' ? formatEth(d.valueAtRisk) : '–'],
        ['requested', [formatTime(d.requestedAt), ' · block ', d.blockNumber, ' · tx ', shortHex(d.transactionHash)]],
        ['deadline', formatTime(Number(d.deadline))],
        ['latency', d.latencySeconds === undefined ? 'not final yet' : `${formatSeconds(d.latencySeconds)} from request to final result`],
        ['slashed over it', d.slashed === '0' ? 'nothing' : formatEth(d.slashed)],
      ]),
    ),
    inputSection(d),
    outputSection(d),
    d.fulfilment?.kind === 'proof' ? proofSection(d) : null,
    d.fulfilment?.kind === 'attestation' ? attestationSection(d) : null,
    d.disputes.length ? disputesSection(d) : null,
    historySection(d),
  ]
}

function inputSection(d: RequestPage): HTMLElement {
  const { input } = d
  if (input.private)
    return section(
      'Input',
      h('p', { id: 'private-input' }, h('strong', {}, 'Private.'), ' The input never reached the chain: the request carries only a Poseidon commitment of it and a secret salt, and the proof shows that the output is the model\'s output on the committed input.'),
      facts([['commitment', h('code', { id: 'input-commitment', class: 'words' }, input.commitment ?? '')]]),
      h('p', { class: 'muted' }, `${input.shape.reduce((a, b) => a * b, 1)} values, shape [${input.shape.join(', ')}], known only to the requester (and to an operator it chose to prove it)`),
    )
  const side = imageSide(input.shape)
  return section(
    'Input',
    input.decodedWithManifest ? null : h('p', { class: 'warn' }, `The model's manifest could not be read (${d.model.manifestError ?? 'unknown reason'}): values shown as quantized integers.`),
    side && input.decodedWithManifest ? h('figure', {}, inputImage(input.values, side), h('figcaption', {}, `${side}×${side} input drawn from the request's ${input.words.length} input words`)) : null,
    h('p', { class: 'muted' }, `${input.values.length} values, shape [${input.shape.join(', ')}]`),
    input.values.length <= 32 ? h('p', { class: 'values' }, input.values.map((v) => formatNumber(v)).join(', ')) : null,
    h('details', {}, h('summary', {}, `${input.words.length} input words (on-chain)`), h('pre', { class: 'words' }, input.words.join('\n'))),
  )
}

function outputSection(d: RequestPage): HTMLElement {
  const { output } = d
  if (!output) return section('Output', h('p', { class: 'muted' }, d.finality === 'expired' || d.finality === 'refunded' ? 'No result was delivered.' : 'No result yet.'))
  const labels = d.model.manifest?.classLabels ?? output.values.map((_, i) => `class ${i}`)
  const predicted = output.classLabel ?? (output.kind === 'class-index' ? `class ${output.class}` : labels[output.class] ?? `class ${output.class}`)
  return section(
    'Output',
    h('p', { class: 'prediction' }, 'Predicted: ', h('strong', { id: 'predicted-class', 'data-class': output.class }, predicted), d.finality === 'pending' ? h('span', { class: 'muted' }, ' (attested; final once the challenge window closes)') : null),
    output.kind === 'values' && output.values.length > 1 ? barChart(output.values, labels, output.class) : null,
    output.decodedWithManifest ? null : h('p', { class: 'warn' }, 'Decoded without the manifest: scores are quantized integers.'),
    h('details', {}, h('summary', {}, `${output.words.length} output words (on-chain)`), h('pre', { class: 'words' }, output.words.join('\n'))),
  )
}

function proofSection(d: RequestPage): HTMLElement {
  const f = d.fulfilment!
  if (f.kind !== 'proof') throw new Error('not a proof')
  const outcome = h('p', { class: 'verify-outcome', id: 'verify-outcome', 'aria-live': 'polite' })
  const tamper = h('input', { type: 'checkbox', id: 'tamper' })
  const button = h('button', { type: 'button', id: 'verify-button', disabled: !d.verification?.proof }, 'Verify in this browser')
  button.addEventListener('click', () => void verifyHere(d, tamper.checked, outcome, button))
  const points = f.proofPoints
  return section(
    'Proof',
    facts([
      ['kind', f.disputed ? 'a proof that overturned an attestation (disputeWithProof)' : 'Groth16 proof, checked on-chain by the registry\'s verifier when it was submitted'],
      ['paid to', shortHex(f.fulfiller)],
      ['transaction', [shortHex(f.transactionHash), ' · block ', f.blockNumber]],
      ['verifier', shortHex(d.model.binds.verifier)],
      ['public signals', `${d.input.private ? 'the input commitment' : `${d.input.words.length} input words`}, ${d.output?.words.length ?? 0} output words, the beneficiary`],
    ]),
    points ? h('details', {}, h('summary', {}, 'proof points (a, b, c)'), h('pre', { class: 'words' }, `a = [${points.a.join(', ')}]\nb = [${points.b.map((p) => `[${p.join(', ')}]`).join(', ')}]\nc = [${points.c.join(', ')}]`)) : null,
    h(
      'div',
      { class: 'verify' },
      button,
      h('label', { class: 'tamper' }, tamper, ' change one output value first (to watch a tampered result fail)'),
      outcome,
      d.verification?.unavailable ? h('p', { class: 'warn' }, `Cannot check here: ${d.verification.unavailable}.`) : null,
      h('p', { class: 'muted small' }, 'Checks the Groth16 proof with snarkjs in this page, against the verification key the registry stores for this model, with public signals rebuilt from the request\'s input words (or input commitment), the result\'s output words and the beneficiary.'),
    ),
  )
}

async function verifyHere(d: RequestPage, tamper: boolean, outcome: HTMLElement, button: HTMLButtonElement): Promise<void> {
  const v = d.verification
  if (!v?.proof) return
  button.disabled = true
  outcome.className = 'verify-outcome'
  outcome.dataset.result = 'checking'
  replaceChildren(outcome, 'checking…')
  const started = performance.now()
  try {
    const [snarkjs, key] = await Promise.all([loadSnarkjs(), getJson<VerificationKeyBytes>(v.verificationKeyUrl)])
    const outputWords = [...v.publicSignals.outputWords]
    // A changed output: the lowest bit of the first output word flipped (one value off by one step).
    if (tamper) outputWords[0] = (BigInt(outputWords[0]!) ^ 1n).toString()
    const result = await checkProof(snarkjs, {
      proofSystem: key.proofSystem,
      verificationKey: key.bytes,
      proof: v.proof,
      inputWords: v.publicSignals.inputWords,
      outputWords,
      beneficiary: v.publicSignals.beneficiary,
    })
    const ms = Math.round(performance.now() - started)
    outcome.dataset.result = result.valid ? 'valid' : 'invalid'
    outcome.className = `verify-outcome ${result.valid ? 'good' : 'bad'}`
    replaceChildren(
      outcome,
      h('strong', {}, result.valid ? 'valid' : 'invalid'),
      ` · ${result.valid ? 'the proof verifies' : result.reason} (${tamper ? 'output changed, ' : ''}${result.publicSignals.length} public signals, key ${key.hash.slice(0, 10)}… from registry ${key.registry.slice(0, 10)}…, ${ms} ms)`,
    )
  } catch (error) {
    outcome.dataset.result = 'error'
    outcome.className = 'verify-outcome bad'
    replaceChildren(outcome, h('strong', {}, 'error'), ` · ${(error as Error).message}`)
  } finally {
    button.disabled = false
  }
}

function attestationSection(d: RequestPage): HTMLElement {
  const f = d.fulfilment!
  if (f.kind !== 'attestation') throw new Error('not an attestation')
  const check = d.attestationCheck
  return section(
    'Attestation',
    facts([
      ['submitted by', shortHex(f.submitter)],
      ['transaction', [shortHex(f.transactionHash), ' · block ', f.blockNumber]],
      ['challenge window ends', formatTime(Number(f.challengeEnd))],
      ['trace root', shortHex(f.traceRoot)],
      ['signatures', check ? h('span', { class: check.valid ? 'good' : 'bad', id: 'attestation-check' }, check.valid ? `valid: ${f.signers.length} staked operators signed (quorum ${d.quorum}), recovered by the explorer` : `not valid: ${check.reason}`) : 'not in the calldata (submitted through another contract)'],
    ]),
    h(
      'table',
      { class: 'signers' },
      h('thead', {}, h('tr', {}, h('th', {}, 'signer'), h('th', {}, 'signature'))),
      h('tbody', {}, ...f.signers.map((signer, i) => h('tr', {}, h('td', {}, shortHex(signer)), h('td', {}, shortHex(f.signatures?.[i], 10))))),
    ),
  )
}

function disputesSection(d: RequestPage): HTMLElement {
  return section(
    'Disputes',
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...['game', 'challenger', 'phase', 'where', 'outcome'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...d.disputes.map((g) =>
          h(
            'tr',
            {},
            h('td', {}, `#${g.gameId}`),
            h('td', {}, shortHex(g.challenger)),
            h('td', {}, badge(g.phase)),
            h('td', {}, g.tensor === undefined ? `level ${g.level} of ${g.depth}` : `tensor ${g.tensor}, level ${g.level} of ${g.depth}`),
            h('td', {}, g.outcome ? `${g.outcome.attestersLost ? 'attesters lost' : 'challenger lost'}: ${g.outcome.reason}` : `due by ${formatTime(Number(g.deadline))}`),
          ),
        ),
      ),
    ),
  )
}

function historySection(d: RequestPage): HTMLElement {
  return section(
    'History',
    h(
      'ol',
      { class: 'timeline' },
      ...d.events.map((e) =>
        h(
          'li',
          { 'data-event': e.name, class: e.slashed !== '0' ? 'slash' : undefined },
          h('span', { class: 'when' }, formatTime(e.timestamp), ' · block ', e.blockNumber),
          ' ',
          badge(e.name, e.slashed !== '0' ? 'slash' : e.name.replace(/\s+/g, '-')),
          ' ',
          e.text,
          e.slashed !== '0' ? h('strong', { class: 'bad' }, ` (${formatEth(e.slashed)} slashed)`) : null,
        ),
      ),
    ),
  )
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(3)
}
