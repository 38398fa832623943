/// The dashboard's Mustache templates, compiled into the binary: the page works offline and
/// from any node, with no files beside it and nothing fetched from elsewhere. `sections` is
/// the live part, served alone at `/dashboard/sections` for the page to refresh itself.
enum DashboardTemplates {
    static let page = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Peloton · {{node}}</title>
    <style>
    """# + style + #"""
    </style>
    </head>
    <body>
    <header>
      <div class="brand"><span class="logo">◎</span> Peloton</div>
      <div class="where"><strong id="node-name">{{node}}</strong> <code>{{nodeID}}</code></div>
      <div class="live"><span id="live-dot" class="dot ok"></span><span id="live-text">live</span></div>
    </header>
    <main>
    <div id="sections">
    {{> sections}}
    </div>
    <section id="events" class="card">
      <h2>Events <small>live, newest first</small></h2>
      <div class="scroll">
      <table>
        <thead><tr><th>time</th><th>topic</th><th>from</th><th>payload</th></tr></thead>
        <tbody id="event-rows">
        {{#events}}
        <tr><td class="muted">{{time}}</td><td><code>{{topic}}</code></td><td>{{origin}}</td><td class="payload"><code>{{payload}}</code></td></tr>
        {{/events}}
        </tbody>
      </table>
      </div>
      <p id="no-events" class="empty"{{#hasEvents}} hidden{{/hasEvents}}>No events yet. Publish one: <code>peloton publish demo.hello '{"hi":1}'</code></p>
    </section>
    </main>
    <footer>Every node serves this page; each shows the mesh as that node sees it. Data: <a href="/v1/members">/v1/members</a> · <a href="/v1/ring">/v1/ring</a> · <a href="/v1/health">/v1/health</a> · <a href="/metrics">/metrics</a></footer>
    <script>
    """# + script + #"""
    </script>
    </body>
    </html>
    """#

    static let sections = #"""
    <section id="summary" class="tiles">
      <div class="tile"><span class="n alive">{{alive}}</span> alive</div>
      <div class="tile"><span class="n suspect">{{suspect}}</span> suspect</div>
      <div class="tile"><span class="n dead">{{dead}}</span> dead</div>
      <div class="tile"><span class="n left">{{left}}</span> left</div>
      <div class="tile"><span class="n">{{serviceCount}}</span> services</div>
      <div class="tile"><span class="n">{{stateKeyCount}}</span> state keys here</div>
      <div class="tile wide">ring <code>{{checksum}}</code><br><small>{{virtualNodes}} points per member · updated {{updatedAt}}</small></div>
    </section>
    <section id="activity" class="card">
      <h2>Activity <small>last 15 minutes on this node, in 10-second steps</small></h2>
      <div class="charts">{{#charts}}{{{.}}}{{/charts}}</div>
    </section>
    <section id="members" class="card">
      <h2>Members</h2>
      <table>
        <thead><tr><th>name</th><th>status</th><th>incarnation</th><th>gossip</th><th>HTTP</th><th>for</th><th>ring share</th><th>owns</th></tr></thead>
        <tbody>
        {{#members}}
        <tr class="member {{status}}">
          <td><span class="swatch" style="background: {{color}}"></span>{{#dashboardURL}}<a href="{{dashboardURL}}">{{name}}</a>{{/dashboardURL}}{{^dashboardURL}}{{name}}{{/dashboardURL}}{{#isLocal}} <span class="tag">this node</span>{{/isLocal}}{{#isDraining}} <span class="tag drain">draining</span>{{/isDraining}}<br><code class="muted" title="{{id}}">{{shortID}}</code></td>
          <td><span class="pill {{status}}">{{status}}</span></td>
          <td class="num">{{incarnation}}</td>
          <td><code>{{address}}</code></td>
          <td>{{#httpAddress}}<code>{{.}}</code>{{/httpAddress}}{{^httpAddress}}<span class="muted">—</span>{{/httpAddress}}</td>
          <td class="num">{{age}}</td>
          <td class="num">{{sharePercent}}</td>
          <td>{{#primaryOf}}<span class="chip first" title="answers first">{{.}}</span>{{/primaryOf}}{{#replicaOf}}<span class="chip">{{.}}</span>{{/replicaOf}}{{#keysOwned}}<span class="muted"> {{keysOwned}} keys</span>{{/keysOwned}}</td>
        </tr>
        {{/members}}
        </tbody>
      </table>
    </section>
    <section id="ring" class="card">
      <h2>Ring <small>each member's share of the keys, as primary owner</small></h2>
      <div class="ring-bar">{{#ring}}<span style="width: {{width}}; background: {{color}}" title="{{name}} {{sharePercent}}"></span>{{/ring}}</div>
      <div class="legend">{{#ring}}<span><span class="swatch" style="background: {{color}}"></span>{{name}} {{sharePercent}}</span>{{/ring}}</div>
    </section>
    <section id="services" class="card">
      <h2>Services</h2>
      {{#hasServices}}
      <table>
        <thead><tr><th>service</th><th>versions</th><th>replicas</th><th>owners, in order</th><th>routed here /s</th><th>served here /s</th></tr></thead>
        <tbody>
        {{#services}}
        <tr><td><strong>{{name}}</strong></td><td><code>{{versions}}</code></td><td class="num">{{replicas}}</td><td>{{#owners}}<span class="chip{{#isFirst}} first{{/isFirst}}">{{name}}</span>{{/owners}}</td><td class="num">{{routedPerSecond}}</td><td class="num">{{servedPerSecond}}</td></tr>
        {{/services}}
        </tbody>
      </table>
      {{/hasServices}}
      {{^services}}<p class="empty">No member offers a service. Start nodes with <code>--services echo,counter</code>.</p>{{/services}}
    </section>
    <section id="jobs" class="card">
      <h2>Jobs <small>newest first</small></h2>
      {{#hasJobs}}
      <table>
        <thead><tr><th>job</th><th>id</th><th>status</th><th>progress</th><th>units</th><th>result</th></tr></thead>
        <tbody>
        {{#jobs}}
        <tr><td><strong>{{name}}</strong></td><td><code title="{{id}}">{{shortID}}</code></td><td><span class="pill job {{status}}">{{status}}</span></td>
          <td><div class="bar"><span style="width: {{percent}}"></span></div> {{percent}}</td><td class="num">{{units}}</td><td class="payload"><code>{{outcome}}</code></td></tr>
        {{/jobs}}
        </tbody>
      </table>
      {{/hasJobs}}
      {{^hasJobs}}<p class="empty">No jobs yet. Run one: <code>peloton job submit montecarlo --json '{"samples": 50000000, "units": 24}' --watch</code></p>{{/hasJobs}}
    </section>
    <section id="state" class="card">
      <h2>State <small>keys this node holds (the mesh's own, such as job records, left out)</small></h2>
      {{#hasStateKeys}}
      <table>
        <thead><tr><th>type</th><th>key</th><th>value</th><th>owners</th></tr></thead>
        <tbody>
        {{#stateKeys}}
        <tr><td><span class="chip">{{kind}}</span></td><td><code>{{name}}</code></td><td class="payload"><code>{{value}}</code></td><td>{{owners}}</td></tr>
        {{/stateKeys}}
        </tbody>
      </table>
      {{/hasStateKeys}}
      {{#stateKeysNotShown}}<p class="muted">and {{.}} more keys not listed</p>{{/stateKeysNotShown}}
      {{^stateKeys}}<p class="empty">No state held here. Write some: <code>peloton state incr visits</code></p>{{/stateKeys}}
    </section>
    """#

    static let style = """
    :root { --bg: #f5f6f8; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e4e7ec;
      --alive: #1f9d55; --suspect: #d69e2e; --dead: #d64545; --left: #8a94a6; --accent: #3b5bdb; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header { display: flex; align-items: center; gap: 24px; padding: 14px 28px; background: #1d2330; color: #fff; }
    header .brand { font-size: 18px; font-weight: 600; letter-spacing: .3px; }
    header .logo { color: #7c9cff; }
    header .where { flex: 1; font-size: 16px; }
    header code { color: #aab4ca; margin-left: 6px; }
    .live { font-size: 13px; color: #c8cfdd; }
    .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; background: var(--left); }
    .dot.ok { background: #3ddc84; box-shadow: 0 0 0 3px rgba(61,220,132,.25); }
    .dot.lost { background: var(--dead); }
    main { max-width: 1280px; margin: 0 auto; padding: 20px 28px; }
    .tiles { display: grid; grid-template-columns: repeat(6, 1fr) 2fr; gap: 12px; margin-bottom: 16px; }
    .tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; color: var(--muted); }
    .tile .n { display: block; font-size: 26px; font-weight: 650; color: var(--ink); }
    .tile .n.alive { color: var(--alive); } .tile .n.suspect { color: var(--suspect); } .tile .n.dead { color: var(--dead); } .tile .n.left { color: var(--left); }
    .tile.wide code { font-size: 15px; color: var(--ink); }
    .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 8px 16px; }
    svg.chart { max-width: 100%; height: auto; }
    svg.chart text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--muted); }
    svg.chart .chart-title { font-size: 12.5px; font-weight: 600; fill: var(--ink); }
    svg.chart .chart-axis { stroke: var(--line); } svg.chart .chart-grid { stroke: var(--line); stroke-dasharray: 3 3; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 6px 18px 14px; margin-bottom: 16px; }
    h2 { font-size: 16px; margin: 12px 0 8px; }
    h2 small { font-weight: 400; color: var(--muted); margin-left: 8px; font-size: 13px; }
    table { width: 100%; border-collapse: collapse; }
    th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; padding: 6px 8px; border-bottom: 1px solid var(--line); }
    td { padding: 7px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
    tr:last-child td { border-bottom: none; }
    td.num { font-variant-numeric: tabular-nums; }
    td.payload code { white-space: pre-wrap; word-break: break-all; }
    code { font: 12.5px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
    a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
    .muted { color: var(--muted); }
    .pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; background: var(--left); }
    .pill.alive { background: var(--alive); } .pill.suspect { background: var(--suspect); } .pill.dead { background: var(--dead); } .pill.left { background: var(--left); }
    tr.member.dead td, tr.member.left td { opacity: .6; }
    .tag { font-size: 11px; background: #e8edff; color: var(--accent); border-radius: 4px; padding: 0 5px; }
    .tag.drain { background: #fff4de; color: #9a6700; }
    .chip { display: inline-block; margin: 0 4px 3px 0; padding: 0 7px; border: 1px solid var(--line); border-radius: 6px; font-size: 12px; background: #fafbfc; }
    .chip.first { border-color: #b7c6ff; background: #eef2ff; font-weight: 600; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: baseline; }
    .ring-bar { display: flex; height: 22px; border-radius: 6px; overflow: hidden; margin: 6px 0 8px; background: var(--line); }
    .ring-bar span { display: block; height: 100%; border-right: 1px solid rgba(255,255,255,.7); }
    .legend { display: flex; flex-wrap: wrap; gap: 14px; color: var(--muted); font-size: 13px; }
    .empty { color: var(--muted); margin: 6px 0 10px; }
    .scroll { max-height: 380px; overflow-y: auto; }
    .bar { display: inline-block; width: 120px; height: 8px; border-radius: 4px; background: var(--line); overflow: hidden; vertical-align: middle; margin-right: 6px; }
    .bar span { display: block; height: 100%; background: var(--accent); }
    .pill.job.done { background: var(--alive); } .pill.job.running, .pill.job.queued { background: var(--accent); }
    .pill.job.failed { background: var(--dead); } .pill.job.cancelled { background: var(--left); }
    .scroll thead th { position: sticky; top: 0; background: var(--card); }
    footer { text-align: center; color: var(--muted); font-size: 12px; padding: 8px 0 24px; }
    @media (max-width: 900px) { .tiles { grid-template-columns: repeat(3, 1fr); } main { padding: 12px; } }
    """

    /// Refreshes the sections every two seconds and adds events as the node's event stream
    /// (server-sent events) delivers them. Text goes in through `textContent`, never as markup.
    static let script = """
    (function () {
      var dot = document.getElementById("live-dot"), text = document.getElementById("live-text");
      function status(ok, why) { dot.className = "dot " + (ok ? "ok" : "lost"); text.textContent = ok ? "live" : why; }
      function refresh() {
        fetch("/dashboard/sections", { cache: "no-store" }).then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        }).then(function (html) {
          document.getElementById("sections").innerHTML = html;
          status(true);
        }).catch(function () { status(false, "node not answering"); });
      }
      setInterval(refresh, 2000);
      var rows = document.getElementById("event-rows"), none = document.getElementById("no-events");
      function cell(row, value, className, asCode) {
        var td = row.insertCell(); if (className) td.className = className;
        var inner = asCode ? document.createElement("code") : td;
        inner.textContent = value; if (asCode) td.appendChild(inner);
      }
      if (window.EventSource) {
        // Unnamed events: the stream otherwise names each by its topic, which onmessage misses.
        var source = new EventSource("/v1/events/%23/stream?named=false");
        source.onopen = function () { status(true); };
        source.onerror = function () { status(false, "event stream reconnecting"); };
        source.onmessage = function (message) {
          var event; try { event = JSON.parse(message.data); } catch (e) { return; }
          var row = rows.insertRow(0);
          cell(row, new Date(event.publishedAt).toISOString().substr(11, 8) + " UTC", "muted");
          cell(row, event.topic, null, true);
          cell(row, event.originName || event.origin.substr(0, 8));
          cell(row, event.payload !== null && event.payload !== undefined ? event.payload : "(binary)", "payload", true);
          while (rows.rows.length > \(DashboardView.maxEvents)) rows.deleteRow(rows.rows.length - 1);
          none.hidden = true;
        };
      }
    })();
    """
}
