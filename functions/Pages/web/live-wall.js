// The live room's 晒单墙 (review wall): approved photo reviews (晒单) of the campaign's store, this campaign's and earlier
// ones', 优质晒单 first — in the live room and on the preheat view alike. Public: no token is sent, names come masked.
"use strict";

(function () {
  const h = SC.el;
  const campaignId = decodeURIComponent((location.pathname.split("/")[2] || "").trim());
  const path = "/api/campaigns/" + encodeURIComponent(campaignId) + "/review-wall";

  SC.addStrings({
    zh: {
      "wall.heading": "晒单墙", "wall.hint": "邻居们的真实晒单", "wall.featured": "优质晒单", "wall.stars": "{n} 星",
      "wall.photoOf": "{name} 的晒单照片 {n}", "wall.close": "关闭",
    },
    en: {
      "wall.heading": "Review wall", "wall.hint": "Real photo reviews from neighbours", "wall.featured": "Top review", "wall.stars": "{n} stars",
      "wall.photoOf": "Photo {n} of {name}'s review", "wall.close": "Close",
    },
  });

  const list = h("ul", { id: "review-wall-list", class: "wall-strip list-plain" });
  const section = h("section", { id: "review-wall", class: "card wall", "aria-labelledby": "review-wall-title", hidden: true },
    h("h2", { id: "review-wall-title" }, h("span", { "data-i18n": "wall.heading" }, SC.t("wall.heading")), " ",
      h("small", { class: "muted", "data-i18n": "wall.hint" }, SC.t("wall.hint"))),
    list);
  const viewer = h("dialog", { id: "review-wall-viewer", class: "wall-viewer" });
  const info = document.querySelector(".room-info");
  if (info) info.after(section); else document.getElementById("app").append(section);
  document.body.append(viewer);

  function show(url, alt) {
    SC.fill(viewer, h("img", { src: url, alt }), h("button", { type: "button", class: "wall-viewer-close", onclick: () => viewer.close() }, SC.t("wall.close")));
    if (typeof viewer.showModal === "function") viewer.showModal(); else window.open(url, "_blank", "noopener");
  }

  function card(r) {
    const stars = "★".repeat(Math.max(0, Math.min(5, r.rating))) + "☆".repeat(Math.max(0, 5 - r.rating));
    return h("li", { class: "wall-card" + (r.featured ? " featured" : ""), "data-review-id": r.reviewId },
      h("div", { class: "wall-photos" }, r.photoUrls.map((u, i) => h("button", {
        type: "button", class: "wall-photo", "aria-label": SC.t("wall.photoOf", { name: r.maskedName, n: i + 1 }), onclick: () => show(u, SC.t("wall.photoOf", { name: r.maskedName, n: i + 1 })),
      }, h("img", { src: u, alt: "", width: 120, height: 120, loading: "lazy" })))),
      r.featured ? h("span", { class: "badge wall-featured" }, "👍 ", SC.t("wall.featured")) : null,
      h("p", { class: "wall-meta" }, h("strong", { class: "wall-name" }, r.maskedName), " ", h("span", { class: "wall-stars", "aria-label": SC.t("wall.stars", { n: r.rating }) }, stars)),
      h("p", { class: "wall-text" }, r.text));
  }

  async function load() {
    try {
      const wall = await SC.api("GET", path);
      section.hidden = wall.reviews.length === 0;
      SC.fill(list, wall.reviews.map(card));
    } catch (e) { /* the wall stays as it was; the next refresh tries again */ }
  }

  SC.onLanguageChange(load);
  load();
  // The photo links work for an hour; the wall is refreshed well before.
  setInterval(load, 60_000);
})();
