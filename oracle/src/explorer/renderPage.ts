/** Which page the front end draws (oracle/src/explorer/web/main.ts reads it from the body). */
export type PageSpec = { page: 'requests' | 'models' | 'operators' } | { page: 'request' | 'model'; id: string } | { page: 'error'; error: { code: string; message: string } }

const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * The HTML shell of every page: the navigation and an empty main element that the front end
 * (assets/app.js) fills from the JSON API. An error page carries its message in the HTML itself,
 * so it reads right without JavaScript.
 */
export function renderPage(spec: PageSpec): string {
  const data = `data-page="${spec.page}"${'id' in spec ? ` data-id="${escape(spec.id)}"` : ''}`
  const title = spec.page === 'error' ? 'Not found' : spec.page === 'request' ? `Request ${spec.id}` : spec.page === 'model' ? 'Model' : spec.page[0]!.toUpperCase() + spec.page.slice(1)
  const body =
    spec.page === 'error'
      ? `<section class="error" data-code="${escape(spec.error.code)}"><h1>${escape(spec.error.code === 'not_found' || spec.error.code.endsWith('_not_found') ? 'Not found' : 'Error')}</h1><p class="error-message">${escape(spec.error.message)}</p><p><a href="/">Back to the requests</a></p></section>`
      : '<p class="loading">Loading…</p>'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Veridict explorer</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body ${data}>
<header class="top">
  <a class="brand" href="/">Veridict <span>explorer</span></a>
  <nav><a href="/" data-nav="requests">Requests</a><a href="/models" data-nav="models">Models</a><a href="/operators" data-nav="operators">Operators</a></nav>
  <span class="network" id="network"></span>
</header>
<main id="app">${body}</main>
</body>
</html>
`
}
