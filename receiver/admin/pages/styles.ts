// The admin page's whole look: system font, one card per app, a table per list,
// one colour per state. Inline (with the page's nonce), so there is nothing to build or serve.
export const STYLES = `
:root {
  --bg: #f4f5f7; --card: #fff; --line: #e3e6ea; --soft: #eef0f3; --text: #1c2024; --muted: #69717d;
  --accent: #2457d6; --ok: #17753a; --ok-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fdf1cc;
  --bad: #b42318; --bad-bg: #fde7e4; --info: #1d4ed8; --info-bg: #e6edfd;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
header.top { display: flex; align-items: center; gap: 14px; padding: 10px 28px; background: #1e2530; color: #fff; }
header.top .brand { color: #fff; font-weight: 700; font-size: 16px; letter-spacing: .01em; }
header.top .brand span { color: #7fa6ff; margin-right: 6px; }
header.top .sub { color: #aeb8c6; }
header.top .grow { flex: 1; }
header.top .meta { color: #aeb8c6; font-size: 12.5px; }
body.offline header.top .meta::before { content: "live view disconnected: reload \\00B7  "; color: #ffb4a8; }
header.top .btn { background: transparent; color: #dde3ea; border-color: #4a5566; }
header.top .btn:hover { background: #2b3441; }
main { max-width: 1200px; margin: 0 auto; padding: 22px 28px 48px; }
h1 { font-size: 20px; margin: 0 0 16px; }
h2 { font-size: 19px; margin: 0; }
h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 22px 0 6px;
  display: flex; align-items: center; gap: 10px; }
section.app, .panel { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 22px 20px; margin-bottom: 24px; box-shadow: 0 1px 2px rgba(16, 24, 40, .05); }
.panel.reload { padding: 10px 22px; }
.panel.reload p, .panel.reload .receiver-process { margin: 6px 0 0; }
.panel.reload .reload-failed { color: var(--bad); }
.app-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.app-head .path { color: var(--muted); font-size: 12.5px; }
.grow { flex: 1; }
.cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; display: flex; flex-direction: column; }
.card.live-version { border-top: 3px solid var(--ok); }
.card.staged { border-top: 3px solid var(--info); }
.card.empty { border-top: 3px solid var(--soft); }
.card.gate { border-top: 3px solid #9aa5b4; }
.card.gate.held { border-top-color: #d99a00; }
.card .label { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.card .big { font-size: 18px; font-weight: 650; margin: 3px 0 6px; }
.card .actions { margin-top: auto; padding-top: 10px; display: flex; gap: 8px; flex-wrap: wrap; }
.card .none { color: var(--muted); margin: 6px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; font-size: 13px; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 6px 10px;
  border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 7px 10px; border-bottom: 1px solid var(--soft); vertical-align: middle; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: #fafbfc; }
td.time { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.empty { color: var(--muted); text-align: center; padding: 14px; }
.muted { color: var(--muted); }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  background: var(--soft); color: #4b5563; white-space: nowrap; }
.pill.ok, .pill.healthy, .pill.open { background: var(--ok-bg); color: var(--ok); }
.pill.starting, .pill.stopping, .pill.rolled-back, .pill.held, .pill.holding, .pill.busy { background: var(--warn-bg); color: var(--warn); }
.pill.failed, .pill.crashed, .pill.interrupted { background: var(--bad-bg); color: var(--bad); }
.pill.started, .pill.running { background: var(--info-bg); color: var(--info); }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #9aa5b4; }
.dot.ok { background: #1f9d55; } .dot.bad { background: #d92d20; }
.btn { font: inherit; font-size: 13px; padding: 5px 12px; border-radius: 6px; border: 1px solid #c8ced6;
  background: #fff; color: var(--text); cursor: pointer; line-height: 1.3; font-weight: 500;
  text-transform: none; letter-spacing: normal; }
.btn:hover { background: #f2f4f7; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover { background: #1d48b5; }
.btn.danger { color: var(--bad); border-color: #f0b4ad; }
.btn.small { padding: 2px 9px; font-size: 12px; }
.btn:disabled { opacity: .5; cursor: default; }
form.inline { display: inline; margin: 0; }
.upload { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; padding: 10px 12px;
  margin-bottom: 14px; background: #f8fafc; border: 1px dashed #c3ccd8; border-radius: 8px; }
.upload .label { font-weight: 600; }
.upload input[type=file] { font: inherit; font-size: 13px; max-width: 300px; }
.upload input[type=file]::file-selector-button { font: inherit; font-size: 13px; padding: 4px 10px;
  margin-right: 8px; border: 1px solid #c8ced6; border-radius: 6px; background: #fff; cursor: pointer; }
.upload progress { width: 200px; height: 10px; accent-color: var(--accent); }
.notice { margin: 0 0 12px; padding: 8px 12px; border-radius: 6px; background: var(--info-bg); color: var(--info); }
.notice.failed { background: var(--bad-bg); color: var(--bad); }
.banner { position: sticky; top: 0; z-index: 5; margin-bottom: 16px; padding: 8px 14px; border-radius: 8px;
  border: 1px solid #c9d6f6; background: #eef3ff; box-shadow: 0 2px 6px rgba(16, 24, 40, .08); }
.banner-line { padding: 2px 0; } .banner-line a { font-weight: 600; } .banner-line .what { color: var(--muted); }
.live { border: 1px solid #c9d6f6; background: #f6f8fe; border-radius: 8px; padding: 10px 14px 12px; margin-bottom: 14px; }
.live .head { display: flex; align-items: center; gap: 10px; }
.live ol { list-style: none; margin: 8px 0 0; padding: 0; }
.live li { display: grid; grid-template-columns: 18px 72px 64px 1fr; gap: 8px; padding: 2px 0;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.live li .icon::before { content: "\\25CC"; color: var(--info); }
.live li.done .icon::before { content: "\\2713"; color: var(--ok); font-weight: 700; }
.live li.failed .icon::before { content: "\\2717"; color: var(--bad); font-weight: 700; }
.live li.log .icon::before { content: "\\00B7"; color: var(--muted); }
.live li.result { margin-top: 4px; font-weight: 600; }
.live li.result.ok .icon::before { content: "\\2714"; color: var(--ok); }
.live li.result.failed .icon::before { content: "\\2716"; color: var(--bad); }
.live li .ms { text-align: right; color: var(--muted); }
.watch { border: 1px solid #f0d58a; border-top: 3px solid #d99a00; background: #fffbeb; border-radius: 8px;
  padding: 10px 14px 12px; margin-bottom: 12px; }
.watch .head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; margin-bottom: 6px; }
.watch .label { font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.watch progress { width: 160px; height: 10px; accent-color: #d99a00; vertical-align: middle; }
.reason { display: block; font-size: 12px; color: var(--bad); margin-top: 2px; max-width: 420px; }
del[data-tried] { color: var(--bad); }
.judged { display: block; font-size: 12px; color: var(--muted); margin-top: 2px; }
.judged.failed, .judged.aborted { color: var(--bad); }
.login { max-width: 360px; margin: 12vh auto 0; }
.login label { display: block; font-weight: 600; margin-bottom: 6px; }
.login input[type=password] { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #c8ced6; border-radius: 6px; }
.login .btn { width: 100%; margin-top: 14px; padding: 8px; }
.error { color: var(--bad); background: var(--bad-bg); border-radius: 6px; padding: 8px 12px; margin-bottom: 12px; }
pre.output { background: #1e2530; color: #dde3ea; padding: 10px 12px; border-radius: 6px; overflow-x: auto; font-size: 12px; }
h1.output-title { display: flex; align-items: center; gap: 8px; }
h1 .follow { font-size: 13px; font-weight: normal; display: inline-flex; align-items: center; gap: 4px; margin-right: 8px; }
table.output td.line { white-space: pre-wrap; overflow-wrap: anywhere; }
table.output tr.stderr td.line { color: var(--bad); }
table.output tr.dropped td { font-style: italic; color: #6b7785; }
`;
