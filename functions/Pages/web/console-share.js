// The campaign poster on a campaign's console page: 「分享海报」 opens the poster PNG (GET /api/campaigns/{id}/poster,
// public) in a new tab, where a leader long-presses it on the phone to save or forward it to the neighbourhood group;
// 「下载海报」 saves it. Loaded before console.js, which calls the campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: { "poster.open": "分享海报", "poster.download": "下载海报", "poster.hint": "海报含开播时间、主推商品和直播间二维码，手机上长按图片即可保存或转发到群。" },
    en: { "poster.open": "Share poster", "poster.download": "Download poster", "poster.hint": "The poster shows the start time, the featured product and a QR code to the live room; on a phone, long-press it to save or forward." },
  });

  function campaignPage(root, campaignId) {
    const h = SC.el;
    const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
    const url = `/api/campaigns/${encodeURIComponent(campaignId)}/poster`;
    const links = h("p", { class: "actions", id: "poster-links" },
      tx("a", "poster.open", { id: "poster-link", class: "button primary", href: url, target: "_blank", rel: "noopener" }),
      tx("a", "poster.download", { id: "poster-download", class: "button", href: url, download: `poster-${campaignId}.png` }));
    const hint = tx("p", "poster.hint", { class: "muted", id: "poster-hint" });
    // Under the live room link, the other way to share the campaign.
    const share = root.querySelector(".share");
    if (share) share.after(links, hint); else root.append(links, hint);
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage });
})();
