/**
 * The explorer on a real devnet (anvil, the contracts, the digits and Iris models, three nodes and
 * a liar): its JSON API in-process with `app.request()`, and its pages in headless Chromium
 * (Debian's `chromium`, driven by puppeteer-core), where a request made through the SDK appears
 * and becomes final, and "verify in this browser" says valid for the real proof and invalid for a
 * changed output. Screenshots go to .cache/explorer-screenshots/ for review.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEther, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getResult, requestInference, waitForResult } from '@veridict/sdk'
import { delegatePrivateInput, getEncryptionKey, requestPrivateInference } from '@veridict/sdk/private'
import type { Browser, Page } from 'puppeteer-core'
import { createExplorer, type Devnet, DEVNET_ACCOUNTS, registerModel, type RunningExplorer, startDevnet, startExplorer, waitFor } from '@veridict/oracle/testing'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
const SCREENSHOTS = fileURLToPath(new URL('../.cache/explorer-screenshots/', import.meta.url))
if (!hasChromium) console.warn(`explorer browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH); the API tests still run`)

describe('explorer on the devnet', () => {
  let devnet: Devnet
  let running: RunningExplorer
  let browser: Browser | undefined
  /** Requests made through the SDK while the pages watch: a digit proved in ZK mode, an Iris result attested by two operators. */
  const ids = { zk: 0n, attested: 0n }

  let fraud: Promise<bigint> | undefined
  /**
   * The demo's fraud, once: the honest nodes stop, the liar attests a wrong Iris output alone, one
   * honest node comes back as a watchtower and overturns it with a proof (the liar slashed); then
   * every honest node runs again.
   */
  const disputedLie = () =>
    (fraud ??= (async () => {
      await Promise.all(devnet.nodes.map((n) => n.stop()))
      await devnet.liar.start()
      const user = devnet.sdk(DEVNET_ACCOUNTS.user)
      const { requestId } = await requestInference(user, { modelId: devnet.models.iris.modelId, values: devnet.models.iris.testset.inputs[1]!, mode: 'attested', quorum: 1 })
      await waitForResult(user, { requestId, finality: 'pending', timeout: 60_000 })
      await devnet.nodes[0]!.start()
      await waitFor(async () => (await getResult(user, { requestId }).catch(() => undefined))?.fulfilment.kind === 'proof', { timeoutMs: 60_000, what: `the dispute of request ${requestId}` })
      await devnet.liar.stop()
      await Promise.all(devnet.nodes.slice(1).map((n) => n.start()))
      return requestId
    })())

  const api = async (path: string) => {
    const response = await running.app.request(path)
    return { status: response.status, body: (await response.json()) as Record<string, any> }
  }

  beforeAll(async () => {
    // A 30 s challenge window, not the demo's 12 s: the watchtower, started only after the lie, must
    // start, prove and dispute inside it, which a loaded 2-core CI machine missed at 12 s.
    devnet = await startDevnet({ tempDir: true, logLevel: 'warn', challengeWindow: 30n })
    running = await startExplorer({ rpcUrl: devnet.rpcUrl, deployment: devnet.deployment, nodeUrls: devnet.nodes.map((n) => n.url), port: 0, healthIntervalMs: 1_000 })
    if (hasChromium) {
      const { default: puppeteer } = await import('puppeteer-core')
      browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'] })
      rmSync(SCREENSHOTS, { recursive: true, force: true })
      mkdirSync(SCREENSHOTS, { recursive: true })
    }
    // In a fresh clone the devnet compiles and sets up the digits and Iris models first (or waits for
    // another test file that is doing it): minutes on a loaded 2-core machine.
  }, 900_000)

  afterAll(async () => {
    await browser?.close()
    await running?.stop()
    await devnet?.stop()
    if (devnet) rmSync(devnet.dataDir, { recursive: true, force: true })
  })

  const open = async (path: string): Promise<Page> => {
    const page = await browser!.newPage()
    await page.setViewport({ width: 1200, height: 900 })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push((error as Error).message))
    await page.goto(`${running.url}${path}`, { waitUntil: 'domcontentloaded' })
    ;(page as Page & { errors?: string[] }).errors = errors
    return page
  }
  const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) as `${string}.png`, fullPage: true })
  const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '')

  describe.skipIf(!hasChromium)('in Chromium', () => {
    test('a request made through the SDK appears in the live list and becomes final', async () => {
      const page = await open('/')
      await page.waitForSelector('#requests-body')
      const user = devnet.sdk(DEVNET_ACCOUNTS.user)
      ;({ requestId: ids.zk } = await requestInference(user, { modelId: devnet.models.digits.modelId, values: devnet.models.digits.testset.inputs[0]!, mode: 'zk' }))
      ;({ requestId: ids.attested } = await requestInference(user, { modelId: devnet.models.iris.modelId, values: devnet.models.iris.testset.inputs[0]!, mode: 'attested', quorum: 2 }))
      await page.waitForSelector(`tr[data-request="${ids.zk}"]`, { timeout: 10_000 })
      await page.waitForSelector(`tr[data-request="${ids.zk}"] [data-status="final"]`, { timeout: 90_000 })
      // The attested one is final after its challenge window: the tests below run meanwhile.
      await page.waitForSelector(`tr[data-request="${ids.attested}"]`)
      const row = await text(page, `tr[data-request="${ids.zk}"]`)
      expect(row).toContain('fulfilled')
      expect(row).toContain('digits')
      expect(row).toContain('0.01 ETH')
      await shoot(page, '1-requests')
      expect((page as Page & { errors?: string[] }).errors).toEqual([])
      await page.close()
    })

    test('the filters narrow the list to a mode', async () => {
      const page = await open('/')
      await page.waitForSelector(`tr[data-request="${ids.zk}"]`)
      await page.select('select[name="mode"]', 'attested')
      await page.waitForFunction((id) => !document.querySelector(`tr[data-request="${id}"]`), {}, ids.zk.toString())
      expect(await page.$(`tr[data-request="${ids.attested}"]`)).not.toBeNull()
      expect(new URL(page.url()).search).toBe('?mode=attested')
      await page.close()
    })

    test('a proved request: the digit drawn from its input, the scores charted, "verify in this browser" says valid', async () => {
      const page = await open(`/requests/${ids.zk}`)
      await page.waitForSelector('#verify-button')
      expect(await page.$('canvas.input-image[data-side="14"]')).not.toBeNull()
      expect(await page.$$('svg.bar-chart g.bar')).toHaveLength(10)
      expect(await page.$eval('#predicted-class', (e) => e.getAttribute('data-class'))).toBe(String(devnet.models.digits.testset.labels[0]))
      await page.click('#verify-button')
      await page.waitForSelector('#verify-outcome[data-result="valid"], #verify-outcome[data-result="invalid"], #verify-outcome[data-result="error"]', { timeout: 60_000 })
      expect(await text(page, '#verify-outcome')).toMatch(/^valid · the proof verifies/)
      await shoot(page, '2-request-zk-valid')
      // The page's own tamper switch: one output value changed, the same proof.
      await page.click('#tamper')
      await page.click('#verify-button')
      await page.waitForSelector('#verify-outcome[data-result="invalid"]', { timeout: 60_000 })
      expect(await text(page, '#verify-outcome')).toContain('invalid')
      await shoot(page, '3-request-zk-tampered')
      expect((page as Page & { errors?: string[] }).errors).toEqual([])
      await page.close()
    })

    test('a private request: the page shows its commitment and no image, and "verify in this browser" says valid', async () => {
      const user = devnet.sdk(DEVNET_ACCOUNTS.user)
      const model = devnet.models.digits_private
      const prover = devnet.nodes[0]!
      await waitFor(() => getEncryptionKey(user, { operator: prover.operator }).then(() => true, () => false), { what: 'the node to publish its encryption key' })
      const { requestId, privateInput, commitment } = await requestPrivateInference(user, { modelId: model.modelId, values: model.testset.inputs[1]! })
      await delegatePrivateInput(user, { requestId, privateInput, operator: prover.operator, nodeUrl: prover.url })
      await waitForResult(user, { requestId, timeout: 90_000 })
      const page = await open(`/requests/${requestId}`)
      await page.waitForSelector('#verify-button')
      expect(await text(page, '#input-commitment')).toBe(String(commitment))
      expect(await text(page, '#private-input')).toContain('never reached the chain')
      expect(await page.$('canvas.input-image')).toBeNull()
      await page.click('#verify-button')
      await page.waitForSelector('#verify-outcome[data-result="valid"], #verify-outcome[data-result="invalid"], #verify-outcome[data-result="error"]', { timeout: 60_000 })
      expect(await text(page, '#verify-outcome')).toMatch(/^valid · the proof verifies/)
      await shoot(page, '3b-request-private')
      expect((page as Page & { errors?: string[] }).errors).toEqual([])
      await page.close()
    })

    test('"verify in this browser" says invalid when the explorer serves a changed output', async () => {
      const page = await browser!.newPage()
      await page.setRequestInterception(true)
      page.on('request', (request) => {
        if (!request.url().endsWith(`/api/requests/${ids.zk}`)) return void request.continue()
        void fetch(request.url()).then(async (response) => {
          const detail = (await response.json()) as { verification: { publicSignals: { outputWords: string[] } } }
          const words = detail.verification.publicSignals.outputWords
          words[0] = (BigInt(words[0]!) + 1n).toString()
          await request.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(detail) })
        })
      })
      await page.goto(`${running.url}/requests/${ids.zk}`, { waitUntil: 'domcontentloaded' })
      await page.waitForSelector('#verify-button')
      await page.click('#verify-button')
      await page.waitForSelector('#verify-outcome:not([data-result="checking"])[data-result]', { timeout: 60_000 })
      expect(await page.$eval('#verify-outcome', (e) => e.getAttribute('data-result'))).toBe('invalid')
      await page.close()
    })

    test('an attested request: its signers and signatures, checked, and final after the challenge window', async () => {
      const page = await open(`/requests/${ids.attested}`)
      // The page follows the request until it is final.
      await page.waitForSelector('[data-event="finalized"]', { timeout: 90_000 })
      await page.waitForSelector('#attestation-check')
      expect(await text(page, '#attestation-check')).toMatch(/^valid: 2 staked operators signed/)
      expect(await page.$$('table.signers tbody tr')).toHaveLength(2)
      expect(await page.$$('svg.bar-chart g.bar')).toHaveLength(3)
      expect(await page.$('#finality [data-status="final"]')).not.toBeNull()
      await shoot(page, '4-request-attested')
      await page.close()
    })

    test('the models page: what each id binds, the dev setup marked INSECURE, ops, constraints and prove time', async () => {
      const page = await open('/models')
      await page.waitForSelector('[data-setup]')
      const body = await text(page, 'main')
      expect(body).toContain('digits')
      expect(body).toContain('iris')
      expect(body).toContain('INSECURE')
      expect(body).toMatch(/dev setup, 1 contribution, INSECURE/)
      expect(body).toContain('Gemm')
      expect(body).toContain((3066).toLocaleString('en-US'))
      expect(body).toMatch(/s median from request to proof on-chain, over 1 ZK request/)
      await shoot(page, '5-models')
      await page.close()
    })

    test('a disputed lie: the history shows the attestation, the dispute and the slash; the operators page the slashed liar', async () => {
      const requestId = await disputedLie()
      const page = await open(`/requests/${requestId}`)
      await page.waitForSelector('[data-event="disputed"]')
      expect(await text(page, '[data-event="disputed"]')).toContain('1 ETH slashed')
      expect(await page.$('[data-event="attested"]')).not.toBeNull()
      expect(await page.$('#verify-button')).not.toBeNull()
      await shoot(page, '6-request-disputed')
      await page.goto(`${running.url}/operators`, { waitUntil: 'domcontentloaded' })
      await page.waitForSelector(`tr[data-operator="${devnet.liar.operator}"]`)
      expect(await text(page, `tr[data-operator="${devnet.liar.operator}"]`)).toContain('slashed')
      await shoot(page, '8-operators')
      await page.close()
    })

    test('an unknown request is a 404 page naming the id', async () => {
      const page = await browser!.newPage()
      const response = await page.goto(`${running.url}/requests/987654`)
      expect(response?.status()).toBe(404)
      expect(await text(page, '.error-message')).toContain('Request 987654 does not exist')
      await shoot(page, '7-not-found')
      await page.close()
    })
  })

  describe('JSON API (app.request)', () => {
    beforeAll(async () => {
      const user = devnet.sdk(DEVNET_ACCOUNTS.user)
      // Without Chromium the browser tests made no request: make them here.
      if (ids.zk === 0n) {
        ;({ requestId: ids.zk } = await requestInference(user, { modelId: devnet.models.digits.modelId, values: devnet.models.digits.testset.inputs[0]!, mode: 'zk' }))
        ;({ requestId: ids.attested } = await requestInference(user, { modelId: devnet.models.iris.modelId, values: devnet.models.iris.testset.inputs[0]!, mode: 'attested', quorum: 2 }))
      }
      await waitForResult(user, { requestId: ids.zk, timeout: 90_000 })
      await waitForResult(user, { requestId: ids.attested, timeout: 90_000 })
    }, 200_000)

    test('GET /api/network: the chain, the contracts and the head', async () => {
      const { status, body } = await api('/api/network')
      expect(status).toBe(200)
      expect(body.chainId).toBe(devnet.anvil.chainId)
      expect(body.contracts.oracle).toBe(devnet.deployment.contracts.inferenceOracle)
      expect(body.challengeWindow).toBe('30')
    })

    test('GET /api/requests lists both requests with their mode, fee, latency and who served them; filters by status, mode and model', async () => {
      const { body } = await api('/api/requests')
      const zk = body.requests.find((r: { requestId: string }) => r.requestId === ids.zk.toString())
      expect(zk).toMatchObject({ status: 'fulfilled', finality: 'final', mode: 'zk', fee: parseEther('0.01').toString(), modelId: devnet.models.digits.modelId })
      expect(devnet.nodes.map((n) => n.operator)).toContain(zk.fulfiller)
      expect(zk.latencySeconds).toBeGreaterThan(0)
      const attested = body.requests.find((r: { requestId: string }) => r.requestId === ids.attested.toString())
      expect(attested).toMatchObject({ status: 'finalized', finality: 'final', mode: 'attested', quorum: 2 })
      expect(attested.signers).toHaveLength(2)
      expect((await api('/api/requests?mode=attested')).body.requests.map((r: { mode: string }) => r.mode)).not.toContain('zk')
      expect((await api(`/api/requests?model=${devnet.models.iris.modelId}`)).body.requests.every((r: { modelId: Hex }) => r.modelId === devnet.models.iris.modelId)).toBe(true)
      expect((await api('/api/requests?status=finalized')).body.requests.map((r: { requestId: string }) => r.requestId)).toContain(ids.attested.toString())
    })

    test('GET /api/requests/:id: input and output decoded with the manifest, the proof and its public signals', async () => {
      const { status, body } = await api(`/api/requests/${ids.zk}`)
      expect(status).toBe(200)
      expect(body.model.name).toBe('digits')
      expect(body.input.values).toHaveLength(196)
      expect(body.input.decodedWithManifest).toBe(true)
      expect(body.output.class).toBe(devnet.models.digits.testset.labels[0])
      expect(body.output.values).toHaveLength(10)
      expect(body.fulfilment.kind).toBe('proof')
      expect(body.verification).toMatchObject({ proofSystem: 'groth16', verificationKeyUrl: `/api/models/${devnet.models.digits.modelId}/verification-key` })
      expect(body.verification.publicSignals.inputWords).toHaveLength(devnet.models.digits.manifest.input.words)
      expect(body.events.map((e: { name: string }) => e.name)).toEqual(['requested', 'proved'])
      const key = await api(body.verification.verificationKeyUrl)
      expect(key.body).toMatchObject({ proofSystem: 'groth16', registry: devnet.deployment.contracts.modelRegistry })
      expect(key.body.bytes).toMatch(/^0x[0-9a-f]+$/)
    })

    test('GET /api/requests/:id of a disputed lie: the attestation, the dispute, the slash', async () => {
      const requestId = await disputedLie()
      const { body } = await api(`/api/requests/${requestId}`)
      expect(body).toMatchObject({ status: 'fulfilled', finality: 'final', slashed: parseEther('1').toString() })
      expect(body.fulfilment).toMatchObject({ kind: 'proof', disputed: true, fulfiller: devnet.nodes[0]!.operator })
      // In the oracle's order: the slash is shared out before AttestationDisputed is emitted.
      expect(body.events.map((e: { name: string }) => e.name)).toEqual(['requested', 'attested', 'slash paid out', 'disputed'])
      expect(body.events[3].slashed).toBe(parseEther('1').toString())
    })

    test('GET /api/operators: stakes and locks from the chain, attestations, proofs and slashes from events, uptime from /health', async () => {
      await disputedLie()
      // The honest nodes were stopped for the fraud and started again: wait for a check that finds them up.
      const body = await waitFor(async () => {
        const { body } = await api('/api/operators')
        return body.operators.every((o: { account: string; node?: { state: string } }) => o.account === devnet.liar.operator || o.node?.state === 'ok') && body
      }, { timeoutMs: 15_000, what: 'the nodes healthy again' })
      expect(body.operators).toHaveLength(4)
      for (const node of devnet.nodes) {
        const operator = body.operators.find((o: { account: string }) => o.account === node.operator)
        expect(operator).toMatchObject({ stake: parseEther('2').toString(), locked: '0', slashed: false, active: true, slashes: [] })
        expect(operator.node).toMatchObject({ url: node.url, state: 'ok' })
        expect(operator.node.uptime).toBeGreaterThan(0)
        expect(operator.node.uptime).toBeLessThan(1)
      }
      const work = body.operators.reduce((sum: { attestations: number; proofs: number }, o: { attestations: number; proofs: number }) => ({ attestations: sum.attestations + o.attestations, proofs: sum.proofs + o.proofs }), { attestations: 0, proofs: 0 })
      // The ZK request and the dispute, and in Chromium the private request's proof too.
      expect(work).toEqual({ attestations: 3, proofs: hasChromium ? 3 : 2 })
      const liar = body.operators.find((o: { account: string }) => o.account === devnet.liar.operator)
      expect(liar).toMatchObject({ slashed: true, active: false, stake: '0', attestations: 1 })
      expect(liar.node).toBeUndefined()
      expect(liar.slashes).toEqual([expect.objectContaining({ amount: parseEther('1').toString() })])
    })

    test('errors: an unknown request is a 404 naming it, a bad filter a 400 naming the parameter, an unknown route a 404', async () => {
      expect(await api('/api/requests/987654')).toEqual({ status: 404, body: { error: { code: 'request_not_found', message: expect.stringContaining('Request 987654 does not exist.') } } })
      expect(await api('/api/requests?status=lost')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringContaining('status:') } } })
      expect(await api('/api/requests/abc')).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringContaining('a request id is a decimal number') } } })
      expect(await api(`/api/models/0x${'11'.repeat(32)}`)).toMatchObject({ status: 404, body: { error: { code: 'model_not_found' } } })
      expect(await api('/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
      const page = await running.app.request('/requests/987654')
      expect(page.status).toBe(404)
      expect(await page.text()).toContain('Request 987654 does not exist.')
    })

    test('a model whose manifest host never answers is listed within the timeout, without its manifest', async () => {
      const hanging: Server = createServer(() => {})
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
      const port = (hanging.address() as { port: number }).port
      try {
        const owner = devnet.wallet(DEVNET_ACCOUNTS.user)
        const { modelId } = await registerModel({ publicClient: devnet.publicClient, walletClient: owner, account: owner.account!, chain: devnet.chain, registry: devnet.deployment.contracts.modelRegistry, dir: devnet.models.iris.dir, fee: 1n, metadataURI: `http://127.0.0.1:${port}/manifest.json`, allowInsecureSetup: true })
        // The host never answers, so the list can only come back through the timeout (no wall-clock
        // assertion: the digits manifest beside it must still load on a loaded CI machine, and 500 ms
        // was too short for that once).
        const explorer = await createExplorer({ rpcUrl: devnet.rpcUrl, deployment: devnet.deployment, manifestTimeoutMs: 3_000 })
        try {
          const entries = await explorer.models.list()
          const slow = entries.find((e) => e.model.modelId === modelId)!
          expect(slow.manifest).toBeUndefined()
          expect(slow.manifestError).toContain('did not answer within 3000 ms')
          expect(entries.find((e) => e.model.modelId === devnet.models.digits.modelId)!.manifest?.name).toBe('digits')
        } finally {
          explorer.close()
        }
      } finally {
        hanging.closeAllConnections()
        hanging.close()
      }
    })

    test('a bad RPC URL or a wrong oracle address fails at start with a message naming it', async () => {
      await expect(createExplorer({ rpcUrl: 'http://127.0.0.1:1', deployment: devnet.deployment, rpcTimeoutMs: 2_000 })).rejects.toThrow('No chain answers at http://127.0.0.1:1.')
      const nowhere = '0x000000000000000000000000000000000000dEaD'
      await expect(createExplorer({ rpcUrl: devnet.rpcUrl, oracle: nowhere })).rejects.toThrow(`There is no contract at ${nowhere} on chain ${devnet.anvil.chainId}`)
      const fromOracle = await createExplorer({ rpcUrl: devnet.rpcUrl, oracle: devnet.deployment.contracts.inferenceOracle })
      expect(fromOracle.connection.deployment.registry).toBe(devnet.deployment.contracts.modelRegistry)
      fromOracle.close()
    })
  })
})
