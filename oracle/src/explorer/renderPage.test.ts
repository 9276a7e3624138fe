import { expect, test } from 'vitest'
import { renderPage } from './renderPage.js'

test('an error page carries its message in the HTML, escaped', () => {
  const html = renderPage({ page: 'error', error: { code: 'request_not_found', message: 'Request <b>7</b> & "8" do not exist.' } })
  expect(html).toContain('data-page="error"')
  expect(html).toContain('<h1>Not found</h1>')
  expect(html).toContain('Request &#60;b&#62;7&#60;/b&#62; &#38; &#34;8&#34; do not exist.')
  expect(html).not.toContain('<b>7</b>')
})

test('a request page names the page and the id for the front end', () => {
  const html = renderPage({ page: 'request', id: '42' })
  expect(html).toContain('<body data-page="request" data-id="42">')
  expect(html).toContain('<title>Request 42 · Veridict explorer</title>')
  expect(html).toContain('<script type="module" src="/assets/app.js"></script>')
})
