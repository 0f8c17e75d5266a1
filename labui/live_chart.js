// One plotly.js figure per chart, kept in the page and changed in place.
//
// The server sends, per rerun, either the whole figure (`full`: a plotly figure's JSON, the first time or when its
// structure changed) or the operations that take the previous revision (`base`) to this one (`rev`): new points
// appended (Plotly.extendTraces), whole traces replaced (Plotly.restyle), moving points that glide to their new
// places (Plotly.animate with a short transition), and layout keys that changed (Plotly.relayout). A chart that
// missed a revision (a fresh mount, a skipped render) asks for the whole figure once through its `need` state.
//
// plotly.js itself comes once per browser session from the loader (window.Plotly); charts wait for it.

const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
window.__liveChartTimes = window.__liveChartTimes || [];  // {key, kind, ms, points} per update, for measurements

function plotly() {
  return new Promise((resolve) => {
    const look = () => (window.Plotly ? resolve(window.Plotly) : setTimeout(look, 40));
    look();
  });
}

// extendTraces appends only to plain arrays: a trace drawn from the figure's typed arrays (plotly's base64 "bdata")
// is turned into plain arrays once, the first time points are appended to it.
function plainArrays(gd, traces) {
  for (const i of traces) {
    const t = gd.data[i];
    for (const k of ["x", "y"]) if (t && t[k] && !Array.isArray(t[k])) t[k] = Array.from(t[k]);
  }
}

function count(op) {
  let n = 0;
  for (const a of op.y || []) n += a.length;
  return n;
}

async function apply(st, data, setStateValue) {
  const Plotly = await plotly();
  const gd = st.div;
  if (data.height && gd.style.height !== data.height + "px") gd.style.height = data.height + "px";
  const t0 = performance.now();
  let kind = "none", points = 0, busy = null;
  if (data.full) {
    const fig = JSON.parse(data.full);
    const frames = fig.frames && fig.frames.length ? fig.frames : null;
    if (frames || st.frames) {  // Plotly.react keeps no animation frames: a replay is drawn afresh
      Plotly.purge(gd);
      await Plotly.newPlot(gd, { data: fig.data, layout: fig.layout, frames: frames || [],
                                 config: { ...CONFIG, ...(data.config || {}) } });
      kind = "newPlot";
    } else {
      await Plotly.react(gd, fig.data, fig.layout, { ...CONFIG, ...(data.config || {}) });
      kind = "react";
    }
    st.frames = !!frames;
    st.rev = data.rev;
  } else if (st.rev !== null && st.rev === data.base) {
    // Every change of this revision is made to the figure's own data and layout, then drawn once (Plotly.react
    // with a new datarevision): appended points, replaced traces and layout keys cost one redraw, not one each.
    let glide = null, patch = null;
    for (const op of data.ops || []) {
      if (op.extend) {
        points += count(op.extend);
        plainArrays(gd, op.extend.traces);
        op.extend.traces.forEach((t, i) => {
          gd.data[t].x = gd.data[t].x.concat(op.extend.x[i]);
          gd.data[t].y = gd.data[t].y.concat(op.extend.y[i]);
        });
        kind = "extend";
      } else if (op.restyle) {
        points += count(op.restyle);
        op.restyle.traces.forEach((t, i) => { gd.data[t].x = op.restyle.x[i]; gd.data[t].y = op.restyle.y[i]; });
        kind = kind === "none" ? "restyle" : kind;
      } else if (op.relayout) {
        patch = { ...(patch || {}), ...op.relayout };
      } else if (op.glide) {
        glide = op.glide;
      }
    }
    if (kind === "none" && patch) {  // layout alone (the map's title): a relayout, no new data to draw
      await Plotly.relayout(gd, patch);
    } else if (kind !== "none") {
      const layout = { ...gd.layout, ...(patch || {}), datarevision: data.rev };
      for (const k of Object.keys(layout)) if (layout[k] === null) delete layout[k];
      await Plotly.react(gd, gd.data, layout, { ...CONFIG, ...(data.config || {}) });
    }
    if (glide) {
      points += count(glide);
      const traces = glide.traces.map((_, i) => ({ x: glide.x[i], y: glide.y[i] }));
      const moving = Plotly.animate(gd, { data: traces, traces: glide.traces },
        { transition: { duration: data.glide_ms || 300, easing: "cubic-in-out" },
          frame: { duration: data.glide_ms || 300, redraw: false }, mode: "immediate" });
      busy = performance.now() - t0;  // the work; the transition itself then runs on the browser's frames
      kind = "glide";
      await moving;
    }
    st.rev = data.rev;
  } else if (st.rev !== data.rev) {
    if (st.asked !== data.rev) {  // missed a revision: ask once for the whole figure
      st.asked = data.rev;
      setStateValue("need", data.rev);
    }
    return;
  }
  if (data.frame !== null && data.frame !== undefined && st.frames && st.frame !== data.frame) {
    st.frame = data.frame;
    await Plotly.animate(gd, [String(data.frame)], { mode: "immediate", frame: { duration: 0, redraw: false },
                                                     transition: { duration: 200 } });
  }
  if (kind !== "none") {
    const ms = performance.now() - t0;
    window.__liveChartTimes.push({ key: data.key, kind, ms: busy === null ? ms : busy, total: ms, points });
    if (window.__liveChartTimes.length > 2000) window.__liveChartTimes.splice(0, 1000);
  }
}

// plotly.js normally comes from the loader in the session's first run. A rerun that starts before that run's
// messages left the server (a Start clicked at once on a busy server) drops them, and the loader never sends it
// again: a chart that finds no plotly.js after a while asks for it through its `plotly` state, and the next
// rerun sends it with this chart's data.
function injectPlotly(js) {
  if (window.Plotly || !js) return;
  window.__plotlyLoading = true;
  const script = document.createElement("script");
  script.textContent = js;  // defines window.Plotly
  document.head.appendChild(script);
}

function askForPlotly(st, setStateValue) {
  if (st.plotlyTimer) return;
  st.plotlyTimer = setTimeout(function check() {
    if (window.Plotly) return;
    setStateValue("plotly", Date.now());  // a rerun: the server answers with plotly.js
    st.plotlyTimer = setTimeout(check, 5000);
  }, 2000);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data) return;
  injectPlotly(data.js);
  let st = parentElement.__liveChart;
  if (!st) {
    const div = document.createElement("div");
    div.className = "live-chart";
    div.dataset.key = data.key;
    parentElement.appendChild(div);
    st = parentElement.__liveChart = { div, rev: null, asked: null, frames: false, frame: null,
                                       queue: Promise.resolve() };
  }
  if (!window.Plotly) askForPlotly(st, setStateValue);
  // Updates apply in the order they came, one at a time (an animation finishes before the next starts).
  st.queue = st.queue.then(() => apply(st, data, setStateValue)).catch((e) => console.error("live chart", e));
}
