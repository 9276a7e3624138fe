/// <reference lib="dom" />
/**
 * The explorer's front end: the server sends one HTML shell per page (renderPage.ts) with the page
 * to draw in body[data-page]; this module draws it from the JSON API. No framework: DOM calls,
 * inline SVG and a canvas.
 */
import './styles.css'
import { ApiError, getJson, type NetworkInfo } from './api.js'
import { h, replaceChildren } from './dom.js'
import { modelPage, modelsPage } from './modelsPage.js'
import { operatorsPage } from './operatorsPage.js'
import { requestPage } from './requestPage.js'
import { requestsPage } from './requestsPage.js'

async function draw(): Promise<void> {
  const main = document.getElementById('app')!
  const { page, id } = document.body.dataset
  document.querySelector(`[data-nav="${page === 'request' ? 'requests' : page === 'model' ? 'models' : page}"]`)?.classList.add('active')
  void showNetwork()
  try {
    if (page === 'requests') await requestsPage(main)
    else if (page === 'request') await requestPage(main, id!)
    else if (page === 'models') await modelsPage(main)
    else if (page === 'model') await modelPage(main, id!)
    else if (page === 'operators') await operatorsPage(main)
  } catch (error) {
    replaceChildren(main, h('section', { class: 'error', 'data-code': error instanceof ApiError ? error.code : 'error' }, h('h1', {}, error instanceof ApiError && error.status === 404 ? 'Not found' : 'Error'), h('p', { class: 'error-message' }, (error as Error).message)))
  }
}

async function showNetwork(): Promise<void> {
  const target = document.getElementById('network')
  if (!target) return
  try {
    const network = await getJson<NetworkInfo>('/api/network')
    target.textContent = `chain ${network.chainId} · ${network.rpc} · oracle ${network.contracts.oracle.slice(0, 10)}…`
    target.title = `block ${network.head.number}; challenge window ${network.challengeWindow} s`
  } catch (error) {
    target.textContent = (error as Error).message
    target.classList.add('bad')
  }
}

void draw()
