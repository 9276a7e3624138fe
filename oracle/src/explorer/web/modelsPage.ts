import { getJson, type ModelRow } from './api.js'
import { badge, facts, formatEth, h, replaceChildren, section, shortHex } from './dom.js'

/** Every registered model, deprecated ones included. */
export async function modelsPage(main: HTMLElement): Promise<void> {
  const { models } = await getJson<{ models: ModelRow[] }>('/api/models')
  replaceChildren(main, h('h1', {}, 'Models'), models.length ? models.map(modelCard) : h('p', { class: 'muted' }, 'No model is registered.'))
}

/** One model. */
export async function modelPage(main: HTMLElement, id: string): Promise<void> {
  const model = await getJson<ModelRow>(`/api/models/${id}`)
  replaceChildren(main, h('h1', {}, `Model ${model.name ?? ''}`), modelCard(model))
}

function modelCard(m: ModelRow): HTMLElement {
  const setup = m.binds.setup
  const manifest = m.manifest
  return section(
    m.name ?? m.modelId,
    h('p', {}, badge(m.status), ' ', m.modes.map((mode) => badge(mode, 'mode')), ' ', setup?.insecure ? badge('INSECURE', 'insecure') : null, ' ', h('a', { href: `/?model=${m.modelId}` }, `${m.requests} request${m.requests === 1 ? '' : 's'}`)),
    facts([
      ['model id', h('code', { class: 'hex' }, m.modelId)],
      ['fee', formatEth(m.fee)],
      ['owner', shortHex(m.owner)],
      ['security', m.security],
    ]),
    h('h3', {}, 'What the id binds'),
    h('p', { class: 'muted small' }, 'The id is keccak256(definition hash, owner); the definition hash covers every line below, so none of them can change under the same id.'),
    facts([
      ['definition hash', shortHex(m.binds.definitionHash, 10)],
      ['ONNX hash', shortHex(m.binds.onnxHash, 10)],
      ['quantization', [shortHex(m.binds.quantizationHash, 10), manifest?.quantization ? ` (scale 2^${manifest.quantization.scale}, input scale 2^${manifest.quantization.inputScale}, ${manifest.quantization.inputBits}-bit inputs)` : null]],
      ['input', `${m.binds.input.values} values of ${m.binds.input.bits} bits in ${m.binds.input.words} words${manifest ? `, shape [${manifest.input.shape.join(', ')}]` : ''}`],
      ['output', `${m.binds.output.values} values of ${m.binds.output.bits} bits in ${m.binds.output.words} words${manifest ? `, shape [${manifest.output.shape.join(', ')}], ${manifest.output.kind}` : ''}`],
      ['proof system', m.binds.proofSystem],
      ['verifier', shortHex(m.binds.verifier)],
      ['verification key', shortHex(m.binds.verificationKey)],
      [
        'setup',
        setup
          ? [
              h('span', { class: setup.insecure ? 'bad' : undefined, 'data-setup': setup.insecure ? 'insecure' : 'secure' }, setup.summary),
              h('br'),
              `ceremony: ${manifest?.ceremony ?? (setup.ceremonyFile ? `${setup.ceremonyFile} (listed)` : setup.listedCeremony ? 'listed public ceremony' : 'unlisted')}`,
              h('br'),
              `powers of tau ${shortHex(setup.ptauHash, 10).textContent}; ${setup.contributions} phase-2 contribution${setup.contributions === 1 ? '' : 's'}${manifest?.contributors?.length ? ` (${manifest.contributors.join(', ')})` : ''}`,
            ]
          : 'none: attested only',
      ],
    ]),
    h('h3', {}, 'From the hosted manifest'),
    manifest
      ? facts([
          ['ops', manifest.ops?.length ? h('span', { class: 'ops' }, ...manifest.ops.map((op) => h('code', {}, op))) : '–'],
          ['constraints', manifest.constraints?.toLocaleString() ?? '–'],
          ['public signals', manifest.publicSignals?.join(', ') ?? '–'],
          ['classes', manifest.classLabels?.join(', ') ?? (manifest.output.kind === 'values' ? `${m.binds.output.values} scores (no class names in the manifest)` : 'a class index')],
          ['prove time', proveTime(m)],
          ['compile / setup', `${manifest.compileSeconds ?? '–'} s / ${manifest.setupSeconds ?? '–'} s (the owner's machine)`],
        ])
      : h('p', { class: 'warn' }, `Manifest not available: ${m.manifestError ?? 'unknown'}`),
    facts([['metadata URI', m.metadataURI ? link(m.metadataURI) : 'none']]),
  )
}

function proveTime(m: ModelRow): string {
  const parts: string[] = []
  if (m.manifest?.proveSeconds !== undefined) parts.push(`${m.manifest.proveSeconds} s (manifest)`)
  if (m.observedProveSeconds) parts.push(`${m.observedProveSeconds.median} s median from request to proof on-chain, over ${m.observedProveSeconds.samples} ZK request${m.observedProveSeconds.samples === 1 ? '' : 's'}`)
  return parts.join('; ') || 'no proof on-chain yet'
}

/** A model owner's URI as a link only when it is http(s): anything else (javascript:, data:) stays text. */
function link(uri: string): HTMLElement {
  return /^https?:\/\//i.test(uri) ? h('a', { href: uri, rel: 'noreferrer noopener', target: '_blank' }, uri) : h('code', {}, uri)
}
