// broll review page: plain JavaScript, no build step, no network beyond this server.
"use strict";

const TOKEN = document.querySelector('meta[name="broll-token"]').content;
const $ = (id) => document.getElementById(id);
const state = { clips: [], index: 0, strips: {} };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function defs(pairs) {
  const dl = el("dl");
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(el("dt", {}, k), el("dd", {}, v));
  }
  return dl;
}

function say(text, isError = false) {
  const m = $("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
}

const current = () => state.clips[state.index];
const fps = () => (current() && current().fps) || 25;
const video = () => $("video");

// ---- list -------------------------------------------------------------------------------
function renderList() {
  const ol = $("clips");
  ol.replaceChildren();
  state.clips.forEach((c, i) => {
    const li = el("li", { "data-id": c.id, "data-state": c.state, title: c.path },
      el("span", { class: "name" }, c.path),
      el("span", { class: "badge " + c.state }, c.state));
    if (i === state.index) li.classList.add("current");
    li.addEventListener("click", () => select(i));
    ol.append(li);
  });
  const counts = { approved: 0, rejected: 0, unreviewed: 0, "changed-since-approval": 0 };
  for (const c of state.clips) counts[c.state] = (counts[c.state] || 0) + 1;
  $("counts").replaceChildren(...Object.entries(counts).map(([k, n]) => el("span", { "data-count": k }, `${n} ${k}`)));
}

// ---- detail -----------------------------------------------------------------------------
function select(i) {
  if (!state.clips.length) return;
  wantFrame = issuedFrame = null;
  stopSourcePlay();
  state.index = Math.max(0, Math.min(state.clips.length - 1, i));
  const c = current();
  document.body.dataset.current = c.id;
  renderList();
  const li = $("clips").children[state.index];
  if (li) li.scrollIntoView({ block: "nearest" });
  $("clip-name").textContent = c.path;
  const badge = $("clip-state");
  badge.textContent = c.state;
  badge.className = "badge " + c.state;
  $("clip-pos").textContent = `${state.index + 1} / ${state.clips.length}`;
  const v = video();
  const isGif = /\.gif$/i.test(c.path);   // <video> cannot play GIF: show it as an image (no frame step)
  $("gif").hidden = !isGif;
  v.hidden = isGif;
  if (isGif) { v.pause(); $("gif").src = c.media; }
  else if (v.dataset.id !== c.id) {
    v.dataset.id = c.id;
    v.src = c.media;
    v.load();
  }
  $("note").value = (c.decision && c.decision.clip_sha === c.sha256 && c.decision.note) || "";
  $("last-decision").textContent = c.decision
    ? `Last: ${c.decision.decision} by ${c.decision.reviewer} at ${c.decision.decided_at}` +
      (c.decision.clip_sha !== c.sha256 ? " (on an earlier version of this file)" : "") +
      (c.decision.note ? ` - "${c.decision.note}"` : "")
    : "Not reviewed yet.";
  $("src-only-box").hidden = !c.retime;
  renderQC(c);
  renderGrade(c);
  renderRepair(c);
  renderGen(c);
  renderTakes(c);
  $("info-body").replaceChildren(defs([
    ["size", c.width ? `${c.width}x${c.height}` : null], ["fps", c.fps ? c.fps.toFixed(3) : null],
    ["frames", c.frames], ["duration", c.duration ? c.duration.toFixed(2) + " s" : null],
    ["codec", c.codec], ["sha256", c.sha256 ? c.sha256.slice(0, 16) + "..." : "missing"],
    ["retimed", c.retime ? `${c.retime.source_frames.length} source frames, ${c.retime.repeat} repeated, ` +
      `${c.retime.synth} made up (${c.retime.methods.join(", ")})` : null],
    ["problem", c.error]]));
  say("");
  loadStrip(c);
  // warm the next clip's filmstrip so J feels instant
  if (state.clips[state.index + 1]) loadStrip(state.clips[state.index + 1], false);
}

function renderQC(c) {
  const body = $("qc-body");
  if (!c.qc) { body.replaceChildren(el("p", { class: "muted" }, "no QC yet (run broll check)")); return; }
  const list = el("ul", { class: "findings" });
  for (const f of c.qc.findings) {
    const when = f.start_frame !== null && f.start_frame !== undefined ? `frame ${f.start_frame}` : `${f.start}s`;
    const li = el("li", { class: "finding sev-" + f.severity, "data-frame": f.start_frame ?? "", title: "jump to this frame" },
      `${f.kind} (${f.severity}) at ${when}` + (f.message ? `: ${f.message}` : ""));
    li.addEventListener("click", () => seekFrame(f.start_frame ?? Math.round((f.start || 0) * fps())));
    list.append(li);
  }
  body.replaceChildren(el("span", { class: "badge " + c.qc.verdict, id: "qc-verdict" }, c.qc.verdict),
    c.qc.findings.length ? list : el("p", { class: "muted" }, "no findings"));
}

function renderGrade(c) {
  const body = $("grade-body");
  const g = c.grade;
  if (!g) { body.replaceChildren(el("p", { class: "muted" }, "not graded")); return; }
  const nodes = [defs([["method", g.method], ["strength", g.strength],
    ["ΔE before", g.de_before], ["ΔE after", g.de_after]])];
  if (g.before_url) {
    nodes.push(el("div", { class: "grade-pair" },
      el("figure", {}, el("img", { src: g.before_url, alt: "before grade" }), el("figcaption", {}, "before")),
      el("figure", {}, el("img", { src: g.after_url, alt: "after grade" }), el("figcaption", {}, "after"))));
  }
  body.replaceChildren(...nodes);
}

function renderRepair(c) {
  const body = $("repair-body");
  const r = c.repair;
  if (!r) { body.replaceChildren(el("p", { class: "muted" }, "not a repaired copy")); return; }
  const nodes = [el("p", {}, r.copy
    ? `the build repairs this clip (qc: on_fail: repair): ${r.verdict_before} \u2192 ${r.verdict}; the reel uses the repaired copy`
    : `broll fix: ${r.verdict_before} \u2192 ${r.verdict}`)];
  for (const rep of r.repairs) {
    const m = rep.measure || {};
    const frames = rep.start === rep.end ? `frame ${rep.start}` : `frames ${rep.start}-${rep.end}`;
    const head = el("p", { class: "repair-head", title: "jump to this frame" },
      `${rep.kind} ${frames}: ${rep.method}` + (m.name ? ` (${m.name} ${m.before} \u2192 ${m.after} ${m.unit || ""})` : ""));
    head.addEventListener("click", () => seekFrame(rep.frame));
    nodes.push(head);
    const before = rep.before_url
      ? el("figure", {}, el("img", { src: rep.before_url, alt: `before, frame ${rep.frame}` }), el("figcaption", {}, `before (frame ${rep.frame})`))
      : el("figure", {}, el("p", { class: "muted" }, "original not found"), el("figcaption", {}, "before"));
    nodes.push(el("div", { class: "grade-pair" }, before,
      el("figure", {}, el("img", { src: rep.after_url, alt: `after, frame ${rep.frame}` }), el("figcaption", {}, "after"))));
  }
  body.replaceChildren(...nodes);
}

function renderGen(c) {
  const g = c.generation;
  if (!g) { $("gen-body").replaceChildren(el("p", { class: "muted" }, "no generation record")); return; }
  $("gen-body").replaceChildren(defs([["prompt", g.prompt], ["provider", g.provider], ["model", g.model],
    ["shot", g.shot_id], ["variant", g.variant], ["attempt", g.attempt], ["seed", g.seed], ["cost", g.cost],
    ["placeholder", g.placeholder ? "yes" : null]]));
}

// A shot's takes side by side (variants: N in a generate: section); approving one makes it
// the take the build uses.
function renderTakes(c) {
  const g = c.generation;
  const box = $("takes");
  const sibs = g ? state.clips.filter((x) => x.generation && x.generation.batch === g.batch &&
    x.generation.shot_id === g.shot_id) : [];
  if (sibs.length < 2) { box.hidden = true; $("takes-row").replaceChildren(); return; }
  box.hidden = false;
  $("takes-title").textContent = `Shot ${g.shot_id}: ${sibs.length} takes (the build uses the approved one)`;
  $("takes-row").replaceChildren(...sibs.map((x) => {
    const clip = el("video", { src: x.media, muted: true, loop: true, autoplay: true, playsInline: true });
    const use = el("button", { class: "approve", title: "approve this take: the build uses it" }, "Use this take");
    use.addEventListener("click", (e) => { e.stopPropagation(); select(state.clips.indexOf(x)); decide("approved"); });
    const fig = el("figure", { class: "take" + (x.id === c.id ? " current" : ""), "data-id": x.id, "data-state": x.state },
      clip, el("figcaption", {}, `v${x.generation.variant} \u00b7 QC ${x.qc ? x.qc.verdict : "-"} `,
        el("span", { class: "badge " + x.state }, x.state)), use);
    fig.addEventListener("click", () => select(state.clips.indexOf(x)));
    return fig;
  }));
}

async function fetchStrip(c) {
  // 202 means the server is still making it: ask again while this clip is near the reviewer
  for (let attempt = 0; attempt < 240; attempt++) {
    const r = await fetch(`/api/strip/${c.id}`).catch(() => null);
    if (!r) return null;
    if (r.status === 200) return r.json();
    if (r.status !== 202) return null;
    if (Math.abs(state.clips.indexOf(c) - state.index) > 1) { delete state.strips[c.id]; return null; }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  return null;
}

async function loadStrip(c, show = true) {
  if (!c.sha256) return;
  if (!state.strips[c.id]) state.strips[c.id] = fetchStrip(c);
  const strip = await state.strips[c.id];
  if (!strip) delete state.strips[c.id];
  if (!show || current() !== c) return;
  const img = $("strip-img");
  if (strip) { img.src = strip.url; img.dataset.times = JSON.stringify(strip.times); }
  else { img.removeAttribute("src"); img.dataset.times = "[]"; }
}

// ---- playback ---------------------------------------------------------------------------
const frameOf = (t) => Math.floor(t * fps() + 1e-6);

// Frame steps are serialised: a key pressed while the previous seek is still decoding only
// moves the target, and the next seek starts when that one lands. (Seeking again mid-seek can
// leave Chromium painting the older frame while currentTime already names the newer one.)
let wantFrame = null;    // the frame the keys asked for last
let issuedFrame = null;  // the frame the seek under way was asked for

function issueSeek(v) {
  issuedFrame = wantFrame;
  v.currentTime = (wantFrame + 0.5) / fps();   // the middle of the frame: never lands on its neighbour
}

function seekFrame(n) {
  const v = video();
  v.pause();
  const last = current().frames ? current().frames - 1 : Infinity;
  wantFrame = Math.max(0, Math.min(last, n));
  if (!v.seeking) issueSeek(v);
}

function onSeeked() {
  const v = video();
  if (wantFrame !== null && wantFrame !== issuedFrame) {
    // only once the landed frame has been presented: seeking again before that can leave
    // Chromium showing the older frame after the newer seek completes
    const go = () => { if (wantFrame !== null && wantFrame !== issuedFrame && !v.seeking) issueSeek(v); };
    if (v.requestVideoFrameCallback) { v.requestVideoFrameCallback(go); setTimeout(go, 250); }
    else setTimeout(go, 40);
    return;
  }
  const landed = issuedFrame;
  wantFrame = issuedFrame = null;
  updateTime();
  if (landed !== null && !healing) checkPresented(v, landed);
}

// Headless and busy Chromium now and then completes a seek without presenting the new frame.
// requestVideoFrameCallback says which frame is really on screen; if none arrives or it is the
// wrong one, the same seek is issued once more.
let healing = false;
function checkPresented(v, target) {
  if (!v.requestVideoFrameCallback) return;
  let presented = false;
  const heal = () => {
    if (v.seeking || wantFrame !== null || frameOf(v.currentTime) !== target) return;
    healing = true;
    wantFrame = target;
    issueSeek(v);
    setTimeout(() => { healing = false; }, 500);
  };
  v.requestVideoFrameCallback((now, meta) => {
    presented = true;
    if (Math.round(meta.mediaTime * fps()) !== target) heal();   // a frame's own timestamp: round
  });
  setTimeout(() => { if (!presented) heal(); }, 300);
}

// "Source frames only" (a reel the build retimed, its .frames.json beside it): stepping skips
// repeated and interpolated frames, and playing shows each source picture at its own time,
// holding it over the made-up frames that follow.
const sourceOnly = () => Boolean(current()?.retime && $("src-only").checked);

function neighbourSource(from, delta) {
  const frames = current().retime.source_frames;
  if (delta > 0) return frames.find((f) => f > from) ?? from;
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i] < from) return frames[i];
  return from;
}

function step(delta) {
  stopSourcePlay();
  const from = wantFrame ?? frameOf(video().currentTime);
  seekFrame(sourceOnly() ? neighbourSource(from, Math.sign(delta)) : from + delta);
}

let sourcePlay = null;   // the timer of a source-frames-only playback
function stopSourcePlay() {
  if (sourcePlay !== null) clearTimeout(sourcePlay);
  sourcePlay = null;
  document.body.dataset.sourcePlay = "0";
}

function playSources() {
  const frames = current().retime.source_frames;
  let i = frames.findIndex((f) => f >= frameOf(video().currentTime));
  if (i < 0) i = 0;
  document.body.dataset.sourcePlay = "1";
  const tick = () => {
    if (i >= frames.length) { stopSourcePlay(); return; }
    seekFrame(frames[i]);
    const hold = i + 1 < frames.length ? (frames[i + 1] - frames[i]) * 1000 / fps() : 0;
    i += 1;
    sourcePlay = setTimeout(tick, hold);
  };
  tick();
}

function togglePlay() {
  const v = video();
  wantFrame = issuedFrame = null;
  if (sourcePlay !== null) { stopSourcePlay(); return; }
  if (sourceOnly()) { v.pause(); playSources(); return; }
  if (v.paused) v.play().catch(() => {}); else v.pause();
}

function updateTime() {
  const v = video();
  const d = v.duration || current()?.duration || 0;
  const t = v.currentTime;
  $("timecode").textContent = `${t.toFixed(3)} s  frame ${frameOf(t)}`;
  document.body.dataset.frame = frameOf(t);
  if (d) {
    $("scrub").value = Math.round((t / d) * 1000);
    $("strip-head").style.left = `${(t / d) * 100}%`;
  }
  $("btn-play").textContent = v.paused && sourcePlay === null ? "\u25B6" : "\u275A\u275A";
  document.body.dataset.paused = v.paused ? "1" : "0";
}

// ---- decisions --------------------------------------------------------------------------
async function decide(decision) {
  const c = current();
  if (!c || !c.sha256) return;
  const note = $("note").value;
  say(`saving ${decision}...`);
  let res;
  try {
    res = await fetch("/api/decision", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Broll-Token": TOKEN },
      body: JSON.stringify({ id: c.id, decision, note, sha256: c.sha256 }),
    });
  } catch (e) { say("could not reach the review server: is `broll review` still running?", true); return; }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) { say(data.error || `failed (${res.status})`, true); return; }
  c.state = data.state;
  c.decision = data.decision;
  document.body.dataset.saved = (Number(document.body.dataset.saved || 0) + 1).toString();
  const next = nextIndex((x) => x.state !== "approved" && x.state !== "rejected", state.index + 1);
  if (next !== null && next !== state.index) select(next);
  else { select(state.index); say(`${decision}: all clips have a decision`); }
}

function nextIndex(pred, from) {
  const n = state.clips.length;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    if (pred(state.clips[i])) return i;
  }
  return null;
}

// ---- keyboard ---------------------------------------------------------------------------
const KEYS = {
  j: () => select(state.index + 1),
  k: () => select(state.index - 1),
  a: () => decide("approved"),
  r: () => decide("rejected"),
  " ": togglePlay,
  ",": () => step(-1),
  ".": () => step(1),
  n: () => $("note").focus(),
  m: () => { video().muted = !video().muted; say(video().muted ? "sound off" : "sound on"); },
  s: () => { if (current()?.retime) { $("src-only").checked = !$("src-only").checked; onSourceToggle(); } },
  u: () => { const i = nextIndex((x) => x.state !== "approved" && x.state !== "rejected", state.index + 1); if (i !== null) select(i); },
};

function onSourceToggle() {
  stopSourcePlay();
  document.body.dataset.sourceOnly = sourceOnly() ? "1" : "0";
  say(sourceOnly() ? "source frames only: stepping and playing skip repeated and made-up frames" : "");
}

document.addEventListener("keydown", (ev) => {
  if (ev.target.tagName === "TEXTAREA" || ev.target.tagName === "INPUT" && ev.target.type === "text") {
    if (ev.key === "Escape") ev.target.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const action = KEYS[ev.key.length === 1 ? ev.key.toLowerCase() : ev.key];
  if (!action) return;
  ev.preventDefault();
  action();
});

// ---- start ------------------------------------------------------------------------------
async function start() {
  const v = video();
  v.addEventListener("timeupdate", updateTime);
  v.addEventListener("loadeddata", () => { document.body.dataset.loaded = v.dataset.id; updateTime(); });
  $("strip-img").addEventListener("load", () => { document.body.dataset.strip = current().id; });
  v.addEventListener("seeked", onSeeked);
  v.addEventListener("play", updateTime);
  v.addEventListener("pause", updateTime);
  v.addEventListener("error", () => say("the browser cannot play this file (codec?); the filmstrip still shows it", true));
  $("btn-play").addEventListener("click", togglePlay);
  $("src-only").addEventListener("change", (e) => { e.currentTarget.blur(); onSourceToggle(); });
  $("btn-prev-frame").addEventListener("click", () => step(-1));
  $("btn-next-frame").addEventListener("click", () => step(1));
  $("btn-approve").addEventListener("click", (e) => { e.currentTarget.blur(); decide("approved"); });
  $("btn-reject").addEventListener("click", (e) => { e.currentTarget.blur(); decide("rejected"); });
  $("scrub").addEventListener("input", (e) => {
    const d = v.duration || current()?.duration || 0;
    if (d) { stopSourcePlay(); v.pause(); wantFrame = issuedFrame = null; v.currentTime = (e.target.value / 1000) * d; }
  });
  $("strip").addEventListener("click", (e) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const d = v.duration || current()?.duration || 0;
    if (d) { stopSourcePlay(); v.pause(); wantFrame = issuedFrame = null; v.currentTime = ((e.clientX - rect.left) / rect.width) * d; }
  });
  // buttons keep focus after a click; space would then press them instead of playing
  for (const b of document.querySelectorAll("button")) b.addEventListener("keydown", (e) => { if (e.key === " ") e.preventDefault(); });

  const res = await fetch("/api/clips");
  const data = await res.json();
  state.clips = data.clips;
  $("project").textContent = data.spec || data.project;
  $("user").textContent = `reviewing as ${data.user}`;
  if (data.missing.length) {
    const m = $("missing");
    m.hidden = false;
    m.textContent = `Missing from disk: ${data.missing.join(", ")}`;
  }
  if (!state.clips.length) { $("empty").hidden = false; renderList(); document.body.dataset.ready = "1"; return; }
  $("detail").hidden = false;
  const first = nextIndex((x) => x.state !== "approved" && x.state !== "rejected", 0);
  select(first === null ? 0 : first);
  document.body.dataset.ready = "1";
}

start().catch((e) => say(`could not load the clip list: ${e}`, true));
