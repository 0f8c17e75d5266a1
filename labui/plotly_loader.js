// plotly.js for the live charts, once per browser session: the server sends plotly.js's cartesian bundle (shipped in
// assets/, so the page works offline) in the session's first run and nothing after; no value is reported back (a
// rerun here, a moment after the page appears, swallowed a click on Start made meanwhile).
export default function (component) {
  const { data } = component;
  if (!window.Plotly && data && data.js && !window.__plotlyLoading) {
    window.__plotlyLoading = true;
    const script = document.createElement("script");
    script.textContent = data.js;  // defines window.Plotly
    document.head.appendChild(script);
  }
}
