// Registers the handheld's own service worker and offers a reload when a new version is ready.
// The reload waits for the worker's tap: a queued write in the app is never cut short by an update.
(() => {
  if (!("serviceWorker" in navigator)) return;
  const texts = navigator.language && navigator.language.toLowerCase().startsWith("zh")
    ? { ready: "有新版本可用", reload: "重新加载" } : { ready: "New version available", reload: "Reload" };
  window.lotlineShell = { version: "__VERSION__", controlled: !!navigator.serviceWorker.controller };

  function offer(worker) {
    if (document.getElementById("lotline-update")) return;
    const bar = document.createElement("div");
    bar.id = "lotline-update";
    bar.setAttribute("role", "alert");
    bar.style.cssText = "position:fixed;left:8px;right:8px;bottom:8px;z-index:2147483647;display:flex;" +
      "align-items:center;justify-content:space-between;gap:12px;padding:12px 16px;border-radius:8px;" +
      "background:#1565C0;color:#fff;font:15px sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3)";
    const label = document.createElement("span");
    label.textContent = texts.ready;
    const button = document.createElement("button");
    button.id = "lotline-update-reload";
    button.textContent = texts.reload;
    button.style.cssText = "border:0;border-radius:6px;padding:8px 14px;background:#fff;color:#1565C0;font-weight:bold";
    button.addEventListener("click", () => worker.postMessage({ type: "activate-update" }));
    bar.append(label, button);
    document.body.append(bar);
  }

  let hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    window.lotlineShell.controlled = true;
    if (!hadController) { hadController = true; return; }  // first install took over: nothing to reload
    window.location.reload();
  });

  navigator.serviceWorker.register("sw.js", { scope: "./", updateViaCache: "none" }).then((reg) => {
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
    const check = () => reg.update().catch(() => {});  // offline: try again later
    window.addEventListener("online", check);
    setInterval(check, 30 * 60 * 1000);
  }).catch((e) => console.warn("service worker not registered:", e));

  // Ask the browser not to evict the replica under storage pressure; the app reads the answer from here.
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().then((granted) => { window.lotlineShell.persisted = granted; });
  }
})();
