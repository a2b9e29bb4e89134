// jiance web app behaviour: CSRF header on every htmx request, keyboard shortcuts, drag and drop in the
// issue builder, a toast for server messages. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  function toast(text) {
    const box = document.getElementById("toast");
    if (!box || !text) return;
    box.textContent = text;
    box.classList.add("show");
    clearTimeout(box._timer);
    box._timer = setTimeout(() => box.classList.remove("show"), 2500);
  }
  document.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    const message = xhr && xhr.getResponseHeader("X-Jiance-Message");
    if (message) toast(decodeURIComponent(message));
    if (xhr && xhr.status >= 400) toast("操作失败：" + xhr.status);
  });

  // Keyboard: j/k move between cards, a accept, r reject, s snooze, o open (any element with data-keys).
  function cards() { return Array.from(document.querySelectorAll("[data-card]")); }
  function current() { return document.querySelector("[data-card].current") || cards()[0]; }
  function select(card) {
    cards().forEach((c) => c.classList.remove("current"));
    if (card) { card.classList.add("current"); card.scrollIntoView({ block: "nearest" }); }
  }
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
    const list = cards();
    if (!list.length) return;
    const card = current();
    const index = list.indexOf(card);
    if (event.key === "j") { select(list[Math.min(index + 1, list.length - 1)]); event.preventDefault(); return; }
    if (event.key === "k") { select(list[Math.max(index - 1, 0)]); event.preventDefault(); return; }
    const button = card && card.querySelector(`[data-key="${event.key}"]`);
    if (button) { select(card); button.click(); event.preventDefault(); }
  });
  document.addEventListener("htmx:load", () => { if (!document.querySelector("[data-card].current")) select(cards()[0]); });

  // Issue builder: drag an item to another place or column; the drop posts the new place with htmx.
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest("[data-item]");
    if (!item) return;
    dragged = item; item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragend", () => { if (dragged) dragged.classList.remove("dragging"); dragged = null; });
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest && event.target.closest("[data-column]");
    if (zone && dragged) { event.preventDefault(); zone.classList.add("dropzone-over"); }
  });
  document.addEventListener("dragleave", (event) => {
    const zone = event.target.closest && event.target.closest("[data-column]");
    if (zone) zone.classList.remove("dropzone-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest && event.target.closest("[data-column]");
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("dropzone-over");
    const items = Array.from(zone.querySelectorAll("[data-item]")).filter((i) => i !== dragged);
    const before = items.findIndex((i) => event.clientY < i.getBoundingClientRect().top + i.offsetHeight / 2);
    const position = before === -1 ? items.length : before;
    const form = document.getElementById("move-form");
    if (!form) return;
    form.querySelector("[name=article_id]").value = dragged.dataset.item;
    form.querySelector("[name=section]").value = zone.dataset.column;
    form.querySelector("[name=position]").value = String(position);
    htmx.trigger(form, "submit");
  });
})();

// ---- inbox (pages/inbox.py): after a verdict swaps the current card (for the one-line confirmation, or for
// the card again when the verdict was refused), the card now at its place becomes current, so a / r / s can
// be pressed again without going back from the top. --------------------------------------------------------
(function () {
  "use strict";
  let place = -1;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    const card = target && target.closest ? target.closest("[data-card]") : null;
    place = card ? Array.from(document.querySelectorAll("[data-card]")).indexOf(card) : -1;
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (place < 0) return;
    const list = Array.from(document.querySelectorAll("[data-card]"));
    const card = list[Math.min(place, list.length - 1)];
    place = -1;
    if (!card) return;
    list.forEach((c) => c.classList.remove("current"));
    card.classList.add("current");
    card.scrollIntoView({ block: "nearest" });
  });
})();
// ---- end of inbox section ---------------------------------------------------------------------------------
