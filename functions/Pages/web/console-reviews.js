// 晒单 moderation on the console's campaign page: the campaign's reviews with their photos, and 通过 / 优质 / 拒绝.
// Approved reviews with photos show on the store's 晒单墙 in the live room; 优质 (featured) also credits the chain's
// 优质晒单 points once. Loaded before console.js, which calls campaignPage (window.SCConsoleExtensions).
"use strict";

(function () {
  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const enc = encodeURIComponent;

  SC.addStrings({
    zh: {
      "reviews.heading": "晒单审核", "reviews.hint": "通过的带图晒单会出现在本店直播间和预热页的晒单墙；设为优质晒单会给邻居加 {points} 积分（每条一次）。",
      "reviews.none": "还没有晒单。", "reviews.status.pending": "待审核", "reviews.status.approved": "已通过", "reviews.status.rejected": "已拒绝",
      "reviews.featured": "优质晒单", "reviews.approve": "通过", "reviews.feature": "优质", "reviews.reject": "拒绝",
      "reviews.reason": "拒绝理由", "reviews.reasonPrompt": "请输入拒绝理由（邻居不会看到照片上墙）", "reviews.confirmReject": "确认拒绝", "reviews.cancel": "取消",
      "reviews.approved": "已通过，晒单墙可见", "reviews.featuredToast": "已设为优质晒单", "reviews.rejected": "已拒绝", "reviews.noPhotos": "无照片",
      "reviews.stars": "{n} 星",
    },
    en: {
      "reviews.heading": "Review moderation", "reviews.hint": "Approved photo reviews show on this store's review wall in the live room and preheat view; a top review earns the neighbour {points} points (once).",
      "reviews.none": "No reviews yet.", "reviews.status.pending": "Pending", "reviews.status.approved": "Approved", "reviews.status.rejected": "Rejected",
      "reviews.featured": "Top review", "reviews.approve": "Approve", "reviews.feature": "Top", "reviews.reject": "Reject",
      "reviews.reason": "Reason", "reviews.reasonPrompt": "Why is it rejected?", "reviews.confirmReject": "Reject", "reviews.cancel": "Cancel",
      "reviews.approved": "Approved: on the review wall", "reviews.featuredToast": "Marked as a top review", "reviews.rejected": "Rejected", "reviews.noPhotos": "No photos",
      "reviews.stars": "{n} stars",
    },
  });

  function campaignPage(root, campaignId, ctx) {
    const path = "/api/campaigns/" + enc(campaignId) + "/reviews";
    const error = h("div", { id: "reviews-error", class: "error", role: "alert", hidden: true });
    const hint = h("p", { class: "hint", id: "reviews-hint" });
    const list = h("ul", { id: "review-list", class: "list-plain review-list" });
    root.append(h("section", { class: "card", id: "reviews" }, h("h3", { "data-i18n": "reviews.heading" }, SC.t("reviews.heading")), hint, error, list));

    async function act(button, url, body, toastKey) {
      button.disabled = true;
      SC.showError(error, null);
      try {
        await ctx.api("POST", url, { body });
        SC.toast(SC.t(toastKey));
        await load();
      } catch (e) {
        SC.showError(error, e);
        button.disabled = false;
      }
    }

    function rejectForm(r, li) {
      const id = "review-reason-" + r.reviewId;
      const form = h("form", { class: "review-reject-form", novalidate: true },
        h("label", { for: id }, SC.t("reviews.reasonPrompt")), h("input", { id, name: "reason", maxlength: 200, required: true }),
        h("div", { class: "actions" }, h("button", { type: "submit", class: "danger review-reject-confirm" }, SC.t("reviews.confirmReject")),
          h("button", { type: "button", onclick: () => form.remove() }, SC.t("reviews.cancel"))));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        act($("button[type=submit]", form), `${path}/${enc(r.reviewId)}/reject`, { reason: form.reason.value.trim() }, "reviews.rejected");
      });
      li.append(form);
      form.reason.focus();
    }

    function row(r) {
      const li = h("li", { class: "review", "data-review-id": r.reviewId, "data-status": r.status, "data-featured": String(r.featured) },
        h("p", { class: "review-head" }, h("strong", {}, r.maskedName), " · ", h("span", { "aria-label": SC.t("reviews.stars", { n: r.rating }) }, "★".repeat(r.rating)), " · ",
          h("span", { class: "badge review-status" }, SC.t("reviews.status." + r.status)),
          r.featured ? h("span", { class: "badge review-featured" }, SC.t("reviews.featured")) : null,
          " ", h("span", { class: "muted" }, SC.formatTime(r.at))),
        h("p", { class: "review-text" }, r.text),
        r.photoUrls.length
          ? h("div", { class: "review-photos" }, r.photoUrls.map((u, i) => h("a", { href: u, target: "_blank", rel: "noopener noreferrer" },
            h("img", { src: u, alt: `${r.maskedName} ${i + 1}`, width: 72, height: 72, loading: "lazy" }))))
          : h("p", { class: "muted" }, SC.t("reviews.noPhotos")),
        r.rejectReason ? h("p", { class: "muted review-reason" }, SC.t("reviews.reason"), "：", r.rejectReason) : null);
      const actions = h("div", { class: "actions review-actions" });
      if (r.status !== "approved") {
        actions.append(h("button", { type: "button", class: "primary review-approve", onclick: (e) => act(e.currentTarget, `${path}/${enc(r.reviewId)}/approve`, undefined, "reviews.approved") }, SC.t("reviews.approve")));
      }
      if (!r.featured && r.status !== "rejected" && r.photosUploaded > 0) {
        actions.append(h("button", { type: "button", class: "review-feature", onclick: (e) => act(e.currentTarget, `${path}/${enc(r.reviewId)}/feature`, undefined, "reviews.featuredToast") }, SC.t("reviews.feature")));
      }
      if (!r.featured && r.status !== "rejected") {
        actions.append(h("button", { type: "button", class: "danger review-reject", onclick: () => { if (!$(".review-reject-form", li)) rejectForm(r, li); } }, SC.t("reviews.reject")));
      }
      if (actions.childNodes.length) li.append(actions);
      return li;
    }

    async function load() {
      try {
        const reviews = await ctx.api("GET", path);
        hint.textContent = SC.t("reviews.hint", { points: reviews.length ? reviews[0].featuredPoints : 50 });
        SC.fill(list, reviews.length ? reviews.map(row) : [h("li", { class: "muted" }, SC.t("reviews.none"))]);
      } catch (e) { SC.showError(error, e); }
    }

    load();
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage });
})();
