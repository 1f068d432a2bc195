/* Kyodo simulator: renders neutral replies as a LINE-like phone and a Slack-like pane.
   Conversation text always comes from the server; only UI chrome words are in i18n.json. */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    ui: localStorage.getItem("kyodo.sim.lang") || "ja",
    words: { ja: {}, en: {} },
    config: null,
    resident: null,
    staff: null,
    streams: {},
    seen: {},
    quickSeq: 0,
    view: "staff",
    modal: null,
  };

  // ------------------------------------------------------------------ small helpers
  function t(key, params) {
    let s = (state.words[state.ui] || {})[key] || state.words.ja[key] || key;
    for (const [k, v] of Object.entries(params || {})) s = s.replace(`{${k}}`, v);
    return s;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  // Links Kyodo sends (calendar, マイデータ, CSV) are clickable, as LINE and Slack make them.
  const URL_RE = /https?:\/\/[^\s<>"'「」『』（）、。]+/g;
  function linked(text) {
    const out = [];
    let last = 0;
    for (const m of String(text || "").matchAll(URL_RE)) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(el("a", { href: m[0], target: "_blank", rel: "noopener noreferrer" }, m[0]));
      last = m.index + m[0].length;
    }
    if (last < String(text || "").length) out.push(String(text).slice(last));
    return out;
  }
  const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff]/;
  const langOf = (text) => (JAPANESE.test(text || "") ? "ja" : "en");
  function timeOf(iso) {
    const d = new Date(iso);
    const tz = (state.config && state.config.clock.timezone) || "Asia/Tokyo";
    return d.toLocaleTimeString(state.ui === "ja" ? "ja-JP" : "en-GB", {
      hour: "2-digit", minute: "2-digit", timeZone: tz,
    });
  }
  function persona(key) {
    return state.config.personas.find((p) => p.key === key);
  }

  // ------------------------------------------------------------------ server calls
  async function send(who, body, opts) {
    const payload = Object.assign({ persona: who }, body);
    let res;
    try {
      res = await fetch("/simulator/send", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (e) {
      return toast(t("send_failed"));
    }
    if (!res.ok) return toast(t("send_failed"));
    const out = await res.json();
    handleDirect(who, out.replies || [], opts || {});
    return out;
  }
  function toast(text) {
    $("clock-status").textContent = text;
  }

  /* The direct answer to what this browser just sent: forms open as a modal,
     form errors stay inside it. Everything else is shown from the live feed. */
  function handleDirect(who, replies, opts) {
    const errors = replies.filter((r) => r.kind === "form_errors");
    const form = replies.find((r) => r.kind === "form");
    if (state.modal && opts.fromModal) {
      if (errors.length) return showFormErrors(errors.flatMap((e) => e.errors));
      closeModal();
    }
    if (form) openModal(who, form, opts.surface || "chat");
    if (opts.slack && !form && opts.surface !== "home") showView("dm");
  }

  // ------------------------------------------------------------------ buttons
  function press(who, button, where) {
    const isPhone = where === "phone";
    const surface = where === "home" ? "home" : undefined;  // a press in Home stays in Home
    return send(who, { kind: "action", data: button.data, label: isPhone ? button.label : null, surface },
      { slack: !isPhone, surface });
  }
  function buttonEl(who, button, where, extraClass) {
    const style = button.style || "default";
    if (/^https?:\/\/\S+$/.test(button.url || "")) {  // a link button (calendar, download): opens, never sent to Kyodo
      return el("a", {
        class: `btn btn-${style} btn-link ${extraClass || ""}`.trim(),
        href: button.url, target: "_blank", rel: "noopener",
        lang: langOf(button.label),
      }, button.label);
    }
    return el("button", {
      type: "button",
      class: `btn btn-${style} ${extraClass || ""}`.trim(),
      lang: langOf(button.label),
      onclick: () => press(who, button, where),
    }, button.label);
  }

  // ------------------------------------------------------------------ LINE rendering
  function lineCard(who, card) {
    const fields = (card.fields || []).map(([k, v]) =>
      el("div", { class: "flex-field" }, el("span", { class: "flex-key" }, k), el("span", { class: "flex-val" }, linked(v)))
    );
    return el("article", { class: "flex", lang: langOf(card.title + card.body) },
      card.badge ? el("span", { class: "flex-badge" }, card.badge) : null,
      el("h4", { class: "flex-title" }, card.title),
      card.body ? el("p", { class: "flex-body" }, linked(card.body)) : null,
      fields.length ? el("div", { class: "flex-fields" }, fields) : null,
      (card.buttons || []).length + (card.links || []).length
        ? el("div", { class: "flex-buttons" },
          [...(card.buttons || []), ...(card.links || [])].map((b) => buttonEl(who, b, "phone")))
        : null
    );
  }
  function datetimeEl(who, r, where) {
    const id = `dt-${Math.random().toString(36).slice(2)}`;
    const input = el("input", { id, type: "datetime-local", value: r.initial || null, min: r.minimum || null });
    const ok = el("button", {
      type: "button", class: "btn btn-primary",
      onclick: () => {
        if (!input.value) { input.focus(); return; }
        send(who, { kind: "action", data: r.data, params: { datetime: input.value },
          label: where === "phone" ? input.value.replace("T", " ") : null },
        { slack: where !== "phone" });
      },
    }, t("decide"));
    return el("div", { class: "datetime" },
      el("label", { for: id }, r.label || t("choose_datetime")), input,
      el("div", { class: "datetime-buttons" }, ok, r.cancel ? buttonEl(who, r.cancel, where) : null));
  }
  function formLauncher(who, r, where) {
    return el("button", { type: "button", class: "btn btn-primary",
      onclick: () => openModal(who, r, "chat") }, `${t("open_form")}：${r.title}`);
  }
  function lineReply(who, r) {
    const bot = (child, cls) =>
      el("div", { class: `line-row bot ${cls || ""}` },
        el("span", { class: "avatar", "aria-hidden": "true" }, "K"), child);
    switch (r.kind) {
      case "text":
        return bot(el("div", { class: "bubble", lang: langOf(r.text) }, linked(r.text)));
      case "choices":
        return bot(el("div", { class: "bubble", lang: langOf(r.text) }, linked(r.text)));
      case "card":
        return bot(lineCard(who, r));
      case "carousel":
        return bot(el("div", { class: "carousel", role: "group", "aria-label": r.alt_text },
          r.cards.map((c) => lineCard(who, c)),
          r.more ? el("div", { class: "carousel-more" }, buttonEl(who, r.more, "phone")) : null), "wide");
      case "form":
        return bot(el("div", { class: "bubble" }, el("p", {}, r.title), formLauncher(who, r, "phone")));
      case "datetime":
        return bot(el("div", { class: "bubble", lang: langOf(r.text) }, el("p", {}, linked(r.text)), datetimeEl(who, r, "phone")));
      default:
        return null;
    }
  }
  function renderPhone(entry) {
    const chat = $("phone-chat");
    chat.querySelector(".empty-phone")?.remove();
    const who = state.resident;
    const wrap = el("div", { class: "line-entry", "data-seq": entry.seq });
    if (entry.role === "user") {
      wrap.append(el("div", { class: "line-row me" },
        el("span", { class: "time" }, timeOf(entry.at)),
        el("div", { class: "bubble me", lang: langOf(entry.text) }, entry.text)));
      setQuick([]);
    } else if (entry.role === "system") {
      wrap.append(el("p", { class: "line-system" }, t("followed")));
    } else {
      if (entry.push) wrap.append(el("p", { class: "line-push" }, `${t("notification")} ${timeOf(entry.at)}`));
      for (const r of entry.replies) {
        const node = lineReply(who, r);
        if (node) wrap.append(node);
      }
      const choices = entry.replies.filter((r) => r.kind === "choices");
      if (choices.length) setQuick(choices[choices.length - 1].buttons);
    }
    chat.append(wrap);
    chat.scrollTop = chat.scrollHeight;
  }
  function setQuick(buttons) {
    const box = $("phone-quick");
    box.replaceChildren(...buttons.map((b) => buttonEl(state.resident, b, "phone", "chip")));
  }
  function phoneEmpty() {
    $("phone-chat").replaceChildren(el("div", { class: "empty-phone" },
      el("p", {}, t("empty_phone")),
      el("button", { type: "button", class: "btn btn-primary",
        onclick: () => send(state.resident, { kind: "follow" }) }, t("start"))));
    setQuick([]);
  }

  // ------------------------------------------------------------------ Slack rendering
  function slackCard(who, card, where) {
    const fields = (card.fields || []).map(([k, v]) =>
      el("div", { class: "bk-field" }, el("strong", {}, k), el("span", {}, linked(v))));
    return el("div", { class: "bk-card", lang: langOf(card.title + card.body) },
      el("div", { class: "bk-title" }, card.title,
        card.badge ? el("span", { class: "bk-badge" }, card.badge) : null),
      card.body ? el("p", { class: "bk-text" }, linked(card.body)) : null,
      fields.length ? el("div", { class: "bk-fields" }, fields) : null,
      (card.buttons || []).length + (card.links || []).length
        ? el("div", { class: "bk-actions" },
          [...(card.buttons || []), ...(card.links || [])].map((b) => buttonEl(who, b, where)))
        : null);
  }
  /* The staff console (Slack App Home): main actions, then each queue with its items' buttons. */
  function slackConsole(who, c, where) {
    const actions = (buttons) => buttons.length
      ? el("div", { class: "bk-actions" }, buttons.map((b) => buttonEl(who, b, where))) : null;
    const out = [el("h3", { class: "bk-title bk-console-title" }, c.title)];
    if (c.notice) out.push(el("p", { class: "bk-text bk-notice", role: "status" }, linked(c.notice)));
    out.push(actions(c.actions || []));
    for (const card of c.cards || []) out.push(slackCard(who, card, where));
    for (const q of c.queues || []) {
      const title = q.count_label ? `${q.title}（${q.count_label}）` : q.title;
      const items = q.items.length
        ? q.items.map((it) => el("div", { class: "bk-item" },
          el("p", { class: "bk-text", lang: langOf(it.text) }, linked(it.text)), actions(it.buttons || [])))
        : [el("p", { class: "bk-text bk-empty" }, q.empty)];
      out.push(el("section", { class: "bk-queue", "aria-label": title },
        el("h4", { class: "bk-title" }, title), ...items, q.more ? actions([q.more]) : null));
    }
    return out.filter((n) => n);
  }
  function slackBlocks(who, replies, where) {
    const out = [];
    for (const r of replies) {
      if (r.kind === "text") out.push(el("p", { class: "bk-text", lang: langOf(r.text) }, linked(r.text)));
      else if (r.kind === "choices")
        out.push(el("p", { class: "bk-text", lang: langOf(r.text) }, linked(r.text)),
          el("div", { class: "bk-actions" }, r.buttons.map((b) => buttonEl(who, b, where))));
      else if (r.kind === "card") out.push(slackCard(who, r, where));
      else if (r.kind === "console") out.push(...slackConsole(who, r, where));
      else if (r.kind === "carousel") {
        out.push(...r.cards.map((c) => slackCard(who, c, where)));
        if (r.more) out.push(el("div", { class: "bk-actions" }, buttonEl(who, r.more, where)));
      } else if (r.kind === "form")
        out.push(el("div", { class: "bk-actions" }, el("button", { type: "button", class: "btn btn-primary",
          onclick: () => openModal(who, r, "chat") }, `${t("open_form")}：${r.title}`)));
      else if (r.kind === "datetime")
        out.push(el("p", { class: "bk-text", lang: langOf(r.text) }, linked(r.text)), datetimeEl(who, r, where));
    }
    return out;
  }
  function slackMessage(entry, where) {
    const who = state.staff;
    const me = entry.role === "user";
    const name = me ? persona(who).name : "Kyodo";
    const body = me
      ? [el("p", { class: "bk-text", lang: langOf(entry.text) }, entry.text)]
      : slackBlocks(who, entry.replies, where);
    return el("div", { class: "slack-msg", "data-seq": entry.seq, "data-rev": entry.rev },
      el("span", { class: `slack-avatar ${me ? "me" : "app"}`, "aria-hidden": "true" }, name.slice(0, 1)),
      el("div", { class: "slack-msg-main" },
        el("div", { class: "slack-msg-head" },
          el("strong", {}, name), me ? null : el("span", { class: "app-tag" }, t("app")),
          el("span", { class: "time" }, timeOf(entry.at)),
          entry.rev ? el("span", { class: "time" }, t("edited")) : null),
        body));
  }
  function threadToggle(root) {
    const thread = root.querySelector(".slack-thread");
    const n = thread.children.length;
    let btn = root.querySelector(".thread-toggle");
    if (!btn) {
      btn = el("button", { type: "button", class: "thread-toggle", "aria-expanded": "false",
        onclick: () => {
          const open = btn.getAttribute("aria-expanded") !== "true";
          btn.setAttribute("aria-expanded", String(open));
          thread.hidden = !open;
          btn.textContent = open ? t("hide_replies") : t("replies", { n: thread.children.length });
        } });
      root.querySelector(".slack-msg-main").append(btn);
    }
    if (btn.getAttribute("aria-expanded") !== "true") btn.textContent = t("replies", { n });
  }
  function renderSlack(entry) {
    if (entry.scope === "home") {
      $("view-home").replaceChildren(...slackBlocks(state.staff, entry.replies, "home"));
      return;
    }
    const view = entry.scope === "staff" ? $("view-staff") : $("view-dm");
    const existing = view.querySelector(`.slack-msg[data-seq="${entry.seq}"]`);
    if (existing) {
      if (existing.dataset.rev === String(entry.rev)) return;
      const fresh = slackMessage(entry, "slack");
      const thread = existing.querySelector(":scope > .slack-msg-main > .slack-thread");
      const toggle = existing.querySelector(":scope > .slack-msg-main > .thread-toggle");
      if (thread) fresh.querySelector(".slack-msg-main").append(thread);
      if (toggle) fresh.querySelector(".slack-msg-main").append(toggle);
      existing.replaceWith(fresh);
      return;
    }
    const node = slackMessage(entry, "slack");
    if (entry.thread_of) {
      const root = view.querySelector(`.slack-msg[data-seq="${entry.thread_of}"]`);
      if (root) {
        let thread = root.querySelector(".slack-thread");
        if (!thread) {
          thread = el("div", { class: "slack-thread", hidden: true });
          root.querySelector(".slack-msg-main").append(thread);
        }
        thread.append(node);
        threadToggle(root);
        return;
      }
    }
    view.append(node);
    view.scrollTop = view.scrollHeight;
    if (state.view !== (entry.scope === "staff" ? "staff" : "dm") && entry.role === "bot") {
      const badge = $(entry.scope === "staff" ? "nav-staff" : "nav-dm").querySelector(".badge");
      badge.hidden = false;
      badge.textContent = String((parseInt(badge.textContent || "0", 10) || 0) + 1);
    }
  }
  function showView(view) {
    state.view = view;
    for (const v of ["staff", "dm", "home"]) {
      $(`view-${v}`).hidden = v !== view;
      const nav = $(`nav-${v}`);
      if (v === view) nav.setAttribute("aria-current", "page"); else nav.removeAttribute("aria-current");
    }
    const badge = $(`nav-${view}`).querySelector(".badge");
    if (badge) { badge.hidden = true; badge.textContent = ""; }
    $("slack-title").textContent = view === "staff" ? "# staff" : view === "dm" ? "Kyodo" : t("home");
    if (view === "home") send(state.staff, { kind: "command", name: "console", surface: "home" }, { surface: "home" });
  }

  // ------------------------------------------------------------------ modal forms
  function fieldEl(f) {
    const id = `f-${f.name}`;
    const hintId = f.hint ? `${id}-hint` : null;
    const errId = `${id}-err`;
    const describedby = [hintId, errId].filter(Boolean).join(" ");
    const label = el("label", { for: id }, f.label, f.required ? el("span", { class: "req" }, ` (${t("required")})`) : null);
    let input;
    const common = { id, name: f.name, "aria-describedby": describedby, required: f.required || null };
    if (f.input === "textarea") {
      input = el("textarea", Object.assign({ rows: 4, maxlength: f.max_length }, common), f.initial || "");
    } else if (f.input === "select") {
      input = el("select", common,
        el("option", { value: "" }, t("select_none")),
        f.options.map(([v, l]) => el("option", { value: v, selected: String(f.initial) === v }, l)));
    } else if (f.input === "multiselect") {
      const initial = Array.isArray(f.initial) ? f.initial.map(String) : [];
      return el("fieldset", { class: "field", "data-name": f.name, "data-input": "multiselect", "aria-describedby": describedby },
        el("legend", {}, f.label),
        f.options.map(([v, l], i) => el("label", { class: "check" },
          el("input", { type: "checkbox", name: f.name, value: v, id: `${id}-${i}`, checked: initial.includes(v) }), l)),
        hintId ? el("p", { class: "hint", id: hintId }, f.hint) : null,
        el("p", { class: "field-error", id: errId }));
    } else {
      const type = { datetime: "datetime-local", date: "date", number: "number" }[f.input] || "text";
      input = el("input", Object.assign({ type, maxlength: type === "text" ? f.max_length : null,
        value: f.initial !== null && f.initial !== undefined ? String(f.initial) : null }, common));
    }
    return el("div", { class: "field", "data-name": f.name, "data-input": f.input },
      label, input,
      hintId ? el("p", { class: "hint", id: hintId }, f.hint) : null,
      el("p", { class: "field-error", id: errId }));
  }
  function openModal(who, form, surface) {
    state.modal = { who, form, surface, opener: document.activeElement };
    $("modal-title").textContent = form.title;
    $("modal-title").lang = langOf(form.title);
    $("modal-submit").textContent = form.submit_label;
    $("modal-errors").textContent = "";
    $("modal-body").replaceChildren(...form.fields.map(fieldEl));
    $("modal").hidden = false;
    const first = $("modal-body").querySelector("input, textarea, select");
    (first || $("modal-submit")).focus();
  }
  function closeModal() {
    const opener = state.modal && state.modal.opener;
    state.modal = null;
    $("modal").hidden = true;
    if (opener && document.contains(opener)) opener.focus();
  }
  function formValues() {
    const values = {};
    for (const field of $("modal-body").querySelectorAll(".field")) {
      const name = field.dataset.name;
      if (field.dataset.input === "multiselect") {
        values[name] = [...field.querySelectorAll("input:checked")].map((i) => i.value);
      } else {
        const input = field.querySelector("input, textarea, select");
        values[name] = input.value === "" ? null : input.value;
      }
    }
    return values;
  }
  function showFormErrors(errors) {
    for (const p of $("modal-body").querySelectorAll(".field-error")) p.textContent = "";
    for (const f of $("modal-body").querySelectorAll(".field")) f.classList.remove("invalid");
    const general = [];
    let first = null;
    for (const [name, message] of errors) {
      const field = $("modal-body").querySelector(`.field[data-name="${CSS.escape(name)}"]`);
      if (!field) { general.push(message); continue; }
      field.classList.add("invalid");
      field.querySelector(".field-error").textContent = message;
      const input = field.querySelector("input, textarea, select");
      if (input && input.type !== "checkbox") input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    $("modal-errors").textContent = general.length ? general.join(" ") : t("form_error");
    if (first) first.focus();
  }
  $("modal-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!state.modal) return;
    const { who, form } = state.modal;
    const surface = state.modal.surface === "home" ? "home" : undefined;
    send(who, { kind: "form", data: form.data, values: formValues(), surface },
      { fromModal: true, slack: persona(who).staff, surface });
  });
  $("modal-close").addEventListener("click", closeModal);
  $("modal-cancel").addEventListener("click", closeModal);
  $("modal").addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closeModal();
    if (ev.key === "Tab") {  // keep focus inside the dialog
      const items = [...$("modal").querySelectorAll("input, select, textarea, button")].filter((n) => !n.disabled);
      const i = items.indexOf(document.activeElement);
      if (ev.shiftKey && i === 0) { ev.preventDefault(); items[items.length - 1].focus(); }
      else if (!ev.shiftKey && i === items.length - 1) { ev.preventDefault(); items[0].focus(); }
    }
  });

  // ------------------------------------------------------------------ live feeds
  function connect(role, key) {
    if (state.streams[role]) state.streams[role].close();
    state.seen[role] = {};
    if (role === "resident") phoneEmpty();
    else {
      $("view-staff").replaceChildren();
      $("view-dm").replaceChildren();
    }
    const src = new EventSource(`/simulator/events?persona=${encodeURIComponent(key)}`);
    state.streams[role] = src;
    src.addEventListener("entry", (ev) => {
      const entry = JSON.parse(ev.data);
      const mark = `${entry.seq}:${entry.rev}`;
      if (state.seen[role][mark]) return;
      state.seen[role][mark] = true;
      if (role === "resident") {
        if (entry.scope === "dm") renderPhone(entry);
      } else renderSlack(entry);
    });
    src.addEventListener("clock", (ev) => showClock(JSON.parse(ev.data)));
    src.addEventListener("ready", () => {
      document.body.dataset[`${role}Ready`] = key;
    });
  }

  // ------------------------------------------------------------------ clock
  function showClock(info) {
    state.config.clock = info;
    $("clock-now").textContent = `${info.local} (${info.timezone})`;
    $("clock-now").dataset.now = info.now;
    for (const b of document.querySelectorAll(".clock-btn, #clock-form button")) b.disabled = !info.adjustable;
  }
  async function advance(value) {
    const res = await fetch("/simulator/clock", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ advance: value }),
    });
    if (res.status === 409) return toast(t("clock_fixed"));
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      return toast(String(err.detail || t("send_failed")));
    }
    const info = await res.json();
    showClock(info);
    toast(t("delivered", { n: info.delivered }));
  }
  for (const b of document.querySelectorAll(".clock-btn")) b.addEventListener("click", () => advance(b.dataset.advance));
  $("clock-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = $("clock-custom").value.trim();
    if (v) advance(v);
  });

  // ------------------------------------------------------------------ inputs
  $("phone-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("phone-text").value.trim();
    if (!text) return;
    $("phone-text").value = "";
    send(state.resident, { kind: "text", text });
  });
  $("slack-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("slack-text").value.trim();
    if (!text) return;
    $("slack-text").value = "";
    const m = text.match(/^\/kyodo(?:\s+(\S+))?(?:\s+([\s\S]*))?$/);
    if (m) {
      send(state.staff, { kind: "command", name: (m[1] || "help").toLowerCase(), args: m[2] || "" }, { slack: true });
    } else {
      send(state.staff, { kind: "text", text }, { slack: true });
    }
  });
  $("menu-toggle").addEventListener("click", () => {
    const open = $("menu-toggle").getAttribute("aria-expanded") !== "true";
    $("menu-toggle").setAttribute("aria-expanded", String(open));
    $("phone-menu").hidden = !open;
  });
  for (const nav of document.querySelectorAll(".slack-nav")) nav.addEventListener("click", () => showView(nav.dataset.view));
  $("resident-picker").addEventListener("change", (ev) => selectResident(ev.target.value));
  $("staff-picker").addEventListener("change", (ev) => selectStaff(ev.target.value));
  $("lang-toggle").addEventListener("click", () => {
    state.ui = state.ui === "ja" ? "en" : "ja";
    localStorage.setItem("kyodo.sim.lang", state.ui);
    applyLanguage();
  });

  function selectResident(key) {
    state.resident = key;
    $("phone-who").textContent = persona(key).name;
    connect("resident", key);
  }
  function selectStaff(key) {
    state.staff = key;
    $("slack-me").textContent = persona(key).name;
    connect("staff", key);
    showView(state.view === "home" ? "home" : state.view);
  }

  // ------------------------------------------------------------------ language of the chrome
  function applyLanguage() {
    const ui = state.ui;
    document.documentElement.lang = ui;
    document.title = t("title");
    for (const n of document.querySelectorAll("[data-i18n]")) n.textContent = t(n.dataset.i18n);
    for (const n of document.querySelectorAll("[data-i18n-placeholder]")) n.placeholder = t(n.dataset.i18nPlaceholder);
    for (const n of document.querySelectorAll("[data-i18n-aria]")) n.setAttribute("aria-label", t(n.dataset.i18nAria));
    const other = ui === "ja" ? "en" : "ja";
    $("lang-toggle").textContent = other === "en" ? "English" : "日本語";
    $("lang-toggle").lang = other;
    $("lang-toggle").setAttribute("aria-label", other === "en" ? "Switch the screen to English" : "画面を日本語にする");
    if (!state.config) return;
    $("ward-name").textContent = state.config.ward[ui] || state.config.ward.ja;
    $("slack-team").textContent = `${state.config.ward[ui] || state.config.ward.ja} · Kyodo`;
    for (const [picker, staff] of [["resident-picker", false], ["staff-picker", true]]) {
      const sel = $(picker);
      const value = sel.value;
      sel.replaceChildren(...state.config.personas.filter((p) => p.staff === staff)
        .map((p) => el("option", { value: p.key, lang: ui }, p.label[ui] || p.label.ja)));
      if (value) sel.value = value;
    }
    $("phone-menu").replaceChildren(...state.config.menu.map((m) =>
      el("button", { type: "button", class: "rich-item", "data-menu": m.name, lang: ui,
        onclick: () => send(state.resident, { kind: "action", data: m.data, label: m.label[ui] }) },
        m.label[ui])));
    $("slack-title").textContent = state.view === "staff" ? "# staff" : state.view === "dm" ? "Kyodo" : t("home");
    if ($("phone-chat").querySelector(".empty-phone")) phoneEmpty();
  }

  async function boot() {
    const [words, config] = await Promise.all([
      fetch("/simulator/static/i18n.json").then((r) => r.json()),
      fetch("/simulator/config").then((r) => r.json()),
    ]);
    state.words = words;
    state.config = config;
    applyLanguage();
    showClock(config.clock);
    const residents = config.personas.filter((p) => !p.staff);
    const staff = config.personas.filter((p) => p.staff);
    $("resident-picker").value = residents[0].key;
    $("staff-picker").value = staff[0].key;
    selectResident(residents[0].key);
    selectStaff(staff[0].key);
    document.body.dataset.booted = "1";
  }
  boot();
})();
