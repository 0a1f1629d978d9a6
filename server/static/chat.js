// The chat page: streams answers from POST /ask/stream, opens cited sentences in place, sends feedback.
// Every piece of document or model text goes into the page with textContent / createTextNode, never as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const els = {
    status: $("status"),
    thread: $("thread"),
    intro: $("intro"),
    introDocs: $("intro-docs"),
    form: $("ask-form"),
    question: $("question"),
    send: $("send"),
    stop: $("stop"),
    layout: $("layout"),
    panel: $("source-panel"),
    panelEyebrow: $("source-eyebrow"),
    panelTitle: $("source-title"),
    panelMeta: $("source-meta"),
    panelNote: $("source-note"),
    panelText: $("source-text"),
    panelClose: $("source-close"),
  };
  const MAX_HISTORY = Number(document.body.dataset.maxHistory || "20");
  const SVG_NS = "http://www.w3.org/2000/svg";

  const history = []; // [{role, content}] of finished exchanges, oldest first
  const documents = new Map(); // doc_id -> Promise of GET /documents/{doc_id}
  let ready = false;
  let busy = false;
  let controller = null; // AbortController of the answer being streamed
  let panelOpener = null; // the control that opened the source panel, to give focus back

  // -- small DOM helpers --------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function icon(path) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const p = document.createElementNS(SVG_NS, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "1.8");
    p.setAttribute("stroke-linejoin", "round");
    p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
    return svg;
  }

  const THUMB_UP = "M7 11v9H4v-9h3zm0 0l4-8c1.7 0 2.6 1 2.3 2.6L12.8 9H19a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.8 20H7";
  const THUMB_DOWN = "M17 13V4h3v9h-3zm0 0l-4 8c-1.7 0-2.6-1-2.3-2.6l.5-3.4H5a2 2 0 0 1-2-2.3l1.2-7A2 2 0 0 1 6.2 4H17";

  function scrollThreadToEnd() {
    els.thread.scrollTop = els.thread.scrollHeight;
  }

  // Offsets from the API count code points (Python str indices); JavaScript strings count UTF-16 units.
  // Example: in "😀ab" the code point offset 1 ("a") is UTF-16 index 2.
  function utf16Index(text, codePoints) {
    let i = 0;
    for (let n = 0; n < codePoints && i < text.length; n++) {
      const c = text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    }
    return i;
  }

  async function errorDetail(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
      if (Array.isArray(body.detail) && body.detail.length) return body.detail[0].msg || "invalid request";
    } catch (_) {
      /* not JSON: fall through */
    }
    return `the server answered ${response.status}`;
  }

  // -- server status ------------------------------------------------------------------------------

  function setStatus(state, text) {
    els.status.dataset.state = state;
    els.status.textContent = text;
  }

  async function checkHealth() {
    let retryIn = 2000;
    try {
      const r = await fetch("/health", { headers: { Accept: "application/json" } });
      const body = await r.json();
      if (r.ok) {
        ready = true;
        const docs = body.documents === 1 ? "1 document" : `${body.documents} documents`;
        setStatus("ok", `${docs} · ${body.generator}`);
        updateControls();
        loadDocumentList();
        return;
      }
      if (body.status === "error") {
        setStatus("error", `Not available: ${body.detail || "the engine failed to start"}`);
        retryIn = 15000;
      } else {
        setStatus("loading", "Loading the model…");
      }
    } catch (_) {
      setStatus("error", "Cannot reach the server");
    }
    window.setTimeout(checkHealth, retryIn);
  }

  async function loadDocumentList() {
    try {
      const r = await fetch("/documents");
      if (!r.ok) return;
      const docs = await r.json();
      if (!docs.length) return;
      const titles = docs.slice(0, 3).map((d) => d.title || d.doc_id);
      const more = docs.length > 3 ? ` and ${docs.length - 3} more` : "";
      els.introDocs.textContent = `Indexed: ${titles.join(" · ")}${more}.`;
      els.introDocs.hidden = false;
    } catch (_) {
      /* the intro simply stays without the list */
    }
  }

  function updateControls() {
    els.send.disabled = !ready || busy;
    els.send.hidden = busy;
    els.stop.hidden = !busy;
    els.form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  // -- the conversation ---------------------------------------------------------------------------

  function addUserTurn(question) {
    const turn = el("article", "turn turn-user");
    turn.appendChild(el("h3", "visually-hidden", "You asked"));
    turn.appendChild(el("p", "bubble", question));
    els.thread.appendChild(turn);
  }

  function addAnswerTurn() {
    const turn = el("article", "turn turn-answer is-pending");
    const card = el("div", "answer-card");
    const label = el("h3", "answer-label", "Answer");
    const body = el("div", "answer-text");
    body.setAttribute("aria-live", "polite");
    body.setAttribute("aria-busy", "true");
    const waiting = el("span", "thinking", "Searching the documents");
    body.appendChild(waiting);
    card.append(label, body);
    turn.appendChild(card);
    els.thread.appendChild(turn);
    return { turn, card, label, body, streamed: "" };
  }

  function showStreamedText(view, delta) {
    if (!view.streamed) view.body.textContent = "";
    view.streamed += delta;
    view.body.textContent = view.streamed;
    view.body.classList.add("is-streaming");
  }

  // Replace the streamed text with the verified answer: plain text with [n] markers made into buttons.
  function showAnswer(view, answer, question) {
    const byNumber = new Map(answer.citations.map((c) => [c.n, c]));
    view.turn.classList.remove("is-pending");
    view.turn.classList.toggle("is-refused", !answer.answered);
    view.label.textContent = answer.answered ? "Answer" : "Not in the documents";
    view.body.classList.remove("is-streaming");
    view.body.textContent = "";
    const text = answer.answer;
    const marker = /\[(\d+)\]/g;
    let last = 0;
    let m;
    while ((m = marker.exec(text)) !== null) {
      const citation = byNumber.get(Number(m[1]));
      if (!citation) continue;
      view.body.appendChild(document.createTextNode(text.slice(last, m.index)));
      const button = el("button", "cite-marker", `[${citation.n}]`);
      button.type = "button";
      button.setAttribute("aria-label", `Show source ${citation.n} in ${citation.title || "its document"}`);
      button.addEventListener("click", () => openSource(citation, button));
      view.body.appendChild(button);
      last = m.index + m[0].length;
    }
    view.body.appendChild(document.createTextNode(text.slice(last)));
    view.body.setAttribute("aria-busy", "false");

    if (answer.citations.length) view.card.appendChild(citationCards(answer.citations));
    if (answer.metadata && answer.metadata.length) view.card.appendChild(metadataNotes(answer.metadata));
    view.card.appendChild(answerFooter(answer, question));
  }

  function citationCards(citations) {
    const wrap = el("section", "citations");
    wrap.setAttribute("aria-label", "Quoted sources");
    const list = el("ol", "citation-list");
    for (const c of citations) {
      const item = el("li", "citation-item");
      const card = el("button", "citation-card");
      card.type = "button";
      card.setAttribute("aria-label", `Source ${c.n}: open the quote in ${c.title || "its document"}`);
      card.appendChild(el("span", "citation-n", String(c.n)));
      const content = el("span", "citation-content");
      content.appendChild(el("span", "citation-quote", c.quote));
      content.appendChild(el("span", "citation-title", c.title || c.doc_id));
      card.appendChild(content);
      card.addEventListener("click", () => openSource(c, card));
      item.appendChild(card);
      list.appendChild(item);
    }
    wrap.appendChild(list);
    return wrap;
  }

  // Facts the answer takes from a document's metadata (its byline): not quotes, so shown apart from them.
  function metadataNotes(facts) {
    const wrap = el("section", "metadata-facts");
    wrap.setAttribute("aria-label", "From document metadata");
    for (const f of facts) {
      const note = el("p", "metadata-fact");
      note.appendChild(el("span", "metadata-field", `${f.field}: `));
      note.appendChild(el("span", "metadata-value", f.value));
      note.appendChild(el("span", "citation-title", ` — ${f.title || f.doc_id} (document metadata)`));
      wrap.appendChild(note);
    }
    return wrap;
  }

  let feedbackForms = 0; // unique ids for the comment boxes' labels

  function answerFooter(answer, question) {
    const footer = el("div", "answer-footer");
    const ms = answer.timings_ms.total || 0;
    const took = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
    footer.appendChild(el("span", "answer-meta", `${answer.model} · ${took}`));

    const group = el("div", "feedback");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Was this answer helpful?");
    const note = el("span", "feedback-note");
    note.setAttribute("aria-live", "polite");
    const buttons = [
      ["up", "Helpful", THUMB_UP],
      ["down", "Not helpful", THUMB_DOWN],
    ].map(([rating, label, path]) => {
      const b = el("button", "btn-icon feedback-btn");
      b.type = "button";
      b.dataset.rating = rating;
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-pressed", "false");
      b.title = label;
      b.appendChild(icon(path));
      return b;
    });
    // "Not helpful" asks what was wrong before sending; "Helpful" sends at once.
    const form = el("form", "feedback-form");
    form.hidden = true;
    const comment = el("textarea", "feedback-comment");
    comment.id = `feedback-comment-${++feedbackForms}`;
    comment.rows = 2;
    comment.maxLength = 2000;
    comment.placeholder = "A wrong fact, a missing quote, a refusal that should have answered…";
    const label = el("label", "feedback-label", "What was wrong with this answer? (optional)");
    label.htmlFor = comment.id;
    const send = el("button", "btn btn-quiet feedback-send", "Send feedback");
    send.type = "submit";
    form.append(label, comment, send);

    async function sendFeedback(button, text) {
      for (const other of buttons) other.disabled = true;
      send.disabled = true;
      note.textContent = "Sending…";
      try {
        const r = await fetch("/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ question, answer: answer.answer, rating: button.dataset.rating, comment: text }),
        });
        if (!r.ok) throw new Error(await errorDetail(r));
        button.setAttribute("aria-pressed", "true");
        form.hidden = true;
        note.textContent = "Thanks for the feedback";
      } catch (e) {
        for (const other of buttons) other.disabled = false;
        send.disabled = false;
        note.textContent = "Could not send the feedback";
      }
    }
    const [up, down] = buttons;
    up.addEventListener("click", () => sendFeedback(up, ""));
    down.addEventListener("click", () => {
      down.setAttribute("aria-pressed", "true");
      form.hidden = false;
      comment.focus();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendFeedback(down, comment.value.trim());
    });
    group.append(note, ...buttons);
    footer.append(group, form);
    return footer;
  }

  function showFailure(view, message) {
    view.turn.classList.remove("is-pending");
    view.turn.classList.add("is-error");
    view.label.textContent = "No answer";
    view.body.classList.remove("is-streaming");
    view.body.textContent = "";
    if (view.streamed) {
      view.body.appendChild(el("p", "partial", view.streamed));
    }
    const alert = el("p", "error-text", message);
    alert.setAttribute("role", "alert");
    view.body.appendChild(alert);
    view.body.setAttribute("aria-busy", "false");
  }

  // -- streaming ----------------------------------------------------------------------------------

  // Server-Sent Events from a fetch body: blocks separated by a blank line, "event:" and "data:" fields.
  async function* readEvents(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      buffer = buffer.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
        if (data.length) yield { event, data: data.join("\n") };
      }
      if (done) return;
    }
  }

  async function ask(question) {
    busy = true;
    updateControls();
    els.intro.hidden = true;
    addUserTurn(question);
    const view = addAnswerTurn();
    scrollThreadToEnd();
    controller = new AbortController();
    const payload = { question, history: history.slice(-MAX_HISTORY) };
    let finished = false;
    try {
      const r = await fetch("/ask/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      if (!r.ok) {
        let message = await errorDetail(r);
        const retry = r.headers.get("Retry-After");
        if (r.status === 503 && retry) message = `The server is busy. Please try again in ${retry} s.`;
        else if (r.status === 429) message = `Too many questions at once: ${message}`;
        showFailure(view, message);
        return;
      }
      for await (const { event, data } of readEvents(r)) {
        const body = JSON.parse(data);
        if (event === "token") {
          showStreamedText(view, body.text);
        } else if (event === "answer") {
          showAnswer(view, body, question);
          history.push({ role: "user", content: question }, { role: "assistant", content: body.answer });
          finished = true;
        } else if (event === "error") {
          showFailure(view, body.detail || "Something went wrong while answering.");
          finished = true;
        }
        scrollThreadToEnd();
      }
      if (!finished) showFailure(view, "The connection closed before the answer was complete.");
    } catch (e) {
      if (e.name === "AbortError") showFailure(view, "Stopped. The answer was not finished, so it is not shown.");
      else showFailure(view, "Cannot reach the server. Check that it is running and try again.");
    } finally {
      controller = null;
      busy = false;
      updateControls();
      scrollThreadToEnd();
    }
  }

  // -- the source panel ---------------------------------------------------------------------------

  function fetchDocument(docId) {
    if (!documents.has(docId)) {
      const request = fetch(`/documents/${encodeURIComponent(docId)}`).then(async (r) => {
        if (!r.ok) throw new Error(await errorDetail(r));
        return r.json();
      });
      request.catch(() => documents.delete(docId)); // let a later click try again
      documents.set(docId, request);
    }
    return documents.get(docId);
  }

  async function openSource(citation, opener) {
    panelOpener = opener;
    document.querySelectorAll(".is-active-source").forEach((n) => n.classList.remove("is-active-source"));
    opener.classList.add("is-active-source");
    els.panel.hidden = false;
    els.layout.classList.add("has-panel");
    els.panelEyebrow.textContent = `Source [${citation.n}]`;
    els.panelTitle.textContent = citation.title || citation.doc_id;
    els.panelMeta.textContent = "";
    els.panelNote.textContent = "Loading the document…";
    els.panelNote.dataset.kind = "info";
    els.panelText.textContent = "";
    let doc;
    try {
      doc = await fetchDocument(citation.doc_id);
    } catch (e) {
      els.panelNote.textContent = `Cannot load the document: ${e.message}`;
      els.panelNote.dataset.kind = "warning";
      els.panelTitle.focus();
      return;
    }
    if (panelOpener !== opener) return; // another citation was opened meanwhile
    els.panelTitle.textContent = doc.title || doc.doc_id;
    const meta = [doc.source, doc.date, doc.authors].filter((v) => typeof v === "string" && v);
    els.panelMeta.textContent = meta.join(" · ");

    const text = doc.text;
    const start = utf16Index(text, citation.start);
    const end = utf16Index(text, citation.end);
    const quoted = text.slice(start, end);
    const mark = el("mark", "quote-mark", quoted);
    mark.id = "source-quote";
    mark.tabIndex = -1;
    els.panelText.append(document.createTextNode(text.slice(0, start)), mark, document.createTextNode(text.slice(end)));
    if (quoted === citation.quote) {
      els.panelNote.textContent = "The highlighted sentence is the exact text quoted in the answer.";
      els.panelNote.dataset.kind = "ok";
    } else {
      els.panelNote.textContent = "Warning: the document changed; the highlight may not match the quote.";
      els.panelNote.dataset.kind = "warning";
    }
    mark.scrollIntoView({ block: "center", behavior: "instant" });
    els.panelTitle.focus({ preventScroll: true });
  }

  function closeSource() {
    els.panel.hidden = true;
    els.layout.classList.remove("has-panel");
    document.querySelectorAll(".is-active-source").forEach((n) => n.classList.remove("is-active-source"));
    if (panelOpener && document.body.contains(panelOpener)) panelOpener.focus();
    panelOpener = null;
  }

  // -- wiring -------------------------------------------------------------------------------------

  function autosize() {
    els.question.style.height = "auto";
    els.question.style.height = `${Math.min(els.question.scrollHeight, 180)}px`;
  }

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = els.question.value.trim();
    if (!question || busy || !ready) return;
    els.question.value = "";
    autosize();
    ask(question);
  });
  els.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      els.form.requestSubmit();
    }
  });
  els.question.addEventListener("input", autosize);
  els.stop.addEventListener("click", () => {
    if (controller) controller.abort();
    els.question.focus();
  });
  els.panelClose.addEventListener("click", closeSource);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !els.panel.hidden) closeSource();
  });

  updateControls();
  checkHealth();
  els.question.focus();
})();
