// The live room's KOC parts: the "体验官说" block (approved trial quotes, public) and, for a member invited to a trial
// (体验官), the trial feedback form with photos. live.js tells this script who is signed in (event "sc:member").
"use strict";

(function () {
  const h = SC.el;
  const campaignId = decodeURIComponent((location.pathname.split("/")[2] || "").trim());
  const path = "/api/campaigns/" + encodeURIComponent(campaignId);
  const MAX_PHOTOS = 9;

  SC.addStrings({
    zh: {
      "koc.heading": "体验官说", "koc.trialHeading": "体验官邀请", "koc.invited": "团长邀请您试用「{item}」，说说真实感受吧：",
      "koc.text": "试用感受", "koc.photos": "照片（最多 9 张）", "koc.submit": "提交试用反馈", "koc.thanks": "已提交，感谢您的试用反馈！",
      "koc.done": "您已提交「{item}」的试用反馈。", "koc.tooMany": "最多上传 9 张照片。", "koc.uploadFailed": "照片上传失败，请重试。",
    },
    en: {
      "koc.heading": "Experience officers say", "koc.trialHeading": "Your trial invitation", "koc.invited": "The leader invites you to try “{item}”. Tell us how it was:",
      "koc.text": "Your impressions", "koc.photos": "Photos (up to 9)", "koc.submit": "Send feedback", "koc.thanks": "Sent. Thank you for your feedback!",
      "koc.done": "You sent your feedback on “{item}”.", "koc.tooMany": "Up to 9 photos.", "koc.uploadFailed": "A photo did not upload; please try again.",
    },
  });

  const quotes = h("section", { id: "koc-quotes", class: "card koc", "aria-labelledby": "koc-title", hidden: true },
    h("h2", { id: "koc-title", "data-i18n": "koc.heading" }, SC.t("koc.heading")), h("ul", { id: "koc-quote-list", class: "list-plain" }));
  const trials = h("section", { id: "koc-trial", class: "card", "aria-labelledby": "koc-trial-title", hidden: true },
    h("h2", { id: "koc-trial-title", "data-i18n": "koc.trialHeading" }, SC.t("koc.trialHeading")), h("div", { id: "koc-trial-body" }));
  const info = document.querySelector(".room-info");
  if (info) info.after(quotes, trials); else document.getElementById("app").append(quotes, trials);

  async function loadQuotes() {
    try {
      const list = await SC.api("GET", path + "/trial-quotes");
      quotes.hidden = list.length === 0;
      SC.fill(document.getElementById("koc-quote-list"), list.map((q) => h("li", { class: "koc-quote" },
        h("blockquote", {}, "“", q.text, "”"),
        h("p", { class: "muted" }, "—— ", h("strong", {}, q.maskedName), " · ", q.itemName),
        q.photoUrls.length ? h("div", { class: "koc-photos" }, q.photoUrls.map((u) => h("img", { src: u, alt: q.itemName, width: 96, height: 96, loading: "lazy" }))) : null)));
    } catch (e) { /* the block stays as it was; the next refresh tries again */ }
  }

  let token = null;
  // live.js may refresh the member's token after announcing it: every call asks for the token of now.
  let currentToken = () => token;
  async function loadMine() {
    const body = document.getElementById("koc-trial-body");
    if (!token) { trials.hidden = true; SC.fill(body); return; }
    let mine;
    try { mine = await SC.api("GET", path + "/trials/mine", { token: currentToken() }); } catch (e) { trials.hidden = true; return; }
    trials.hidden = mine.length === 0;
    SC.fill(body, mine.map((t) => (t.status === "invited" ? feedbackForm(t) : h("p", { class: "success" }, SC.t("koc.done", { item: t.itemName })))));
  }

  function feedbackForm(t) {
    const id = (x) => `koc-${x}-${t.trialId}`;
    const error = h("div", { class: "error", role: "alert", hidden: true });
    const form = h("form", { class: "koc-form", "data-trial-id": t.trialId, novalidate: true },
      h("p", {}, SC.t("koc.invited", { item: t.itemName })),
      h("label", { for: id("text") }, SC.t("koc.text")), h("textarea", { id: id("text"), name: "text", rows: 3, maxlength: 500, required: true }),
      h("label", { for: id("photos") }, SC.t("koc.photos")), h("input", { id: id("photos"), name: "photos", type: "file", accept: "image/*", multiple: true }),
      error, h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, SC.t("koc.submit"))));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      SC.showError(error, null, form);
      const files = Array.from(form.photos.files || []);
      if (files.length > MAX_PHOTOS) { SC.showError(error, new Error(SC.t("koc.tooMany"))); return; }
      button.disabled = true;
      try {
        const sent = await SC.api("POST", `${path}/trials/${encodeURIComponent(t.trialId)}/feedback`, { token: currentToken(), body: { text: form.text.value.trim(), photoCount: files.length } });
        for (let i = 0; i < files.length; i++) {
          const put = await fetch(sent.photoUploadUrls[i], { method: "PUT", body: files[i], headers: { "x-ms-blob-type": "BlockBlob", "content-type": files[i].type || "application/octet-stream" } });
          if (!put.ok) throw new Error(SC.t("koc.uploadFailed"));
        }
        if (files.length) await SC.api("POST", `${path}/trials/${encodeURIComponent(t.trialId)}/feedback/photos/confirm`, { token: currentToken() });
        SC.toast(SC.t("koc.thanks"));
        await loadMine();
      } catch (e) {
        SC.showError(error, e, form);
        button.disabled = false;
      }
    });
    return form;
  }

  document.addEventListener("sc:member", (event) => {
    const next = (event.detail && event.detail.token) || null;
    if (event.detail && typeof event.detail.currentToken === "function") currentToken = event.detail.currentToken;
    if (next === token) return;
    token = next;
    loadMine();
  });
  SC.onLanguageChange(() => { loadQuotes(); loadMine(); });
  loadQuotes();
  setInterval(loadQuotes, 60_000);
})();
