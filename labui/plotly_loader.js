// plotly.js for the live charts, once per browser session: the server sends plotly.js's cartesian bundle (shipped in
// assets/, so the page works offline) until this says `loaded`; later reruns send nothing.
export default function (component) {
  const { data, setStateValue } = component;
  if (!window.Plotly && data && data.js && !window.__plotlyLoading) {
    window.__plotlyLoading = true;
    const script = document.createElement("script");
    script.textContent = data.js;  // defines window.Plotly
    document.head.appendChild(script);
  }
  if (window.Plotly && !(data && data.loaded)) setStateValue("loaded", true);
}
