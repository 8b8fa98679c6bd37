// A pending hand-in's page follows its grading live (Server-Sent Events) and reloads once it
// is done. Without JavaScript the page refreshes itself instead (a <noscript> refresh).
document.addEventListener("DOMContentLoaded", () => {
  const live = document.querySelector("[data-events]");
  if (!live) return;
  const reload = () => window.location.reload();
  if (!window.EventSource) {
    window.setTimeout(reload, 2000);
    return;
  }
  const source = new EventSource(live.dataset.events);
  source.addEventListener("state", (event) => {
    const seen = JSON.parse(event.data);
    live.className = `state ${seen.state}`;
    live.querySelector("[data-label]").textContent = seen.label;
    live.querySelector("[data-waiting]").textContent = seen.text;
  });
  source.addEventListener("done", () => {
    source.close();
    reload();
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) window.setTimeout(reload, 2000);
  });
});
