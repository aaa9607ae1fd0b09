// 直播推流: on a campaign's console page, where the leader pushes the live video — OBS's server (推流地址) and stream
// key (推流密钥) with copy buttons, the full URL for phone apps, and when they stop working — from
// GET /api/campaigns/{id}/stream/push; and for HQ (the chain admin) the #/stream view that sets the chain's live-stream
// provider (PUT /api/chains/{chainId}/stream-provider). Keys are typed into password fields and never shown back.
// Loaded before console.js, which renders the view and calls the campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "nav.stream": "直播服务", "stream.heading": "直播推流", "stream.server": "推流地址", "stream.key": "推流密钥", "stream.url": "完整推流地址（手机推流 App 用）",
      "stream.copy": "复制", "stream.expires": "有效期至 {time}，过期后刷新本页即可得到新的推流密钥。", "stream.noExpiry": "这个推流地址不会过期。",
      "stream.obsHint": "OBS：设置 → 推流 → 服务选“自定义”，服务器填推流地址，串流密钥填推流密钥。手机推流 App：粘贴完整推流地址。推流密钥等同于直播权限，请勿外传。",
      "stream.playback": "观众播放地址：{url}", "stream.none": "总部还没有设置直播服务。设置后这里会显示推流地址和推流密钥；也可以在“编辑开团”里直接填写直播服务给你的播放地址。",
      "stream.noneAdmin": "还没有设置直播服务：", "stream.setUp": "去设置直播服务",
      "stream.settings": "直播服务（推流与播放）", "stream.intro": "设置后，团长在每场开团页面都能看到 OBS 推流地址和推流密钥；开团没有填写播放地址时，直播间自动使用这里的播放地址。",
      "stream.kind": "服务类型", "stream.kind.tencent": "腾讯云直播（CSS）", "stream.kind.templates": "其他服务（地址模板）",
      "stream.pushDomain": "推流域名（如 push.example.com）", "stream.playDomain": "播放域名（选填，如 play.example.com）", "stream.appName": "AppName（默认 live）",
      "stream.pushKey": "推流鉴权 Key（选填）", "stream.playKey": "播放鉴权 Key（选填）", "stream.keySet": "已设置（留空则保持不变）", "stream.keyUnreadable": "已保存的 Key 无法再读取，请重新填写。",
      "stream.pushTemplate": "推流地址模板（rtmp、rtmps、srt、webrtc 或 https）", "stream.playTemplate": "播放地址模板（https，选填）",
      "stream.templateHint": "可用占位符：{streamName}、{campaignId}，需要签名时 {txSecret}、{txTime}（用上面的 Key 按腾讯云同样的方式签名）。",
      "stream.validHours": "推流地址有效小时数（1–72）", "stream.save": "保存直播服务", "stream.remove": "删除直播服务", "stream.removed": "已删除直播服务",
      "stream.configured": "当前：{kind}，更新于 {time}", "stream.notConfigured": "当前还没有设置直播服务。",
      "problem.no-stream-provider": "总部还没有设置直播服务。", "problem.stream-provider-key-unreadable": "直播服务保存的 Key 已无法读取，请总部重新填写。",
      "field.pushDomain": "推流域名只填主机名，例如 push.example.com（不要 rtmp://、端口或路径）。",
      "field.playDomain": "播放域名只填主机名，例如 play.example.com（不要 https://、端口或路径）。",
    },
    en: {
      "nav.stream": "Live service", "stream.heading": "Live stream push", "stream.server": "Server", "stream.key": "Stream key", "stream.url": "Full push URL (phone apps)",
      "stream.copy": "Copy", "stream.expires": "Valid until {time}; reload this page afterwards for a new stream key.", "stream.noExpiry": "This push URL does not expire.",
      "stream.obsHint": "OBS: Settings → Stream → Service: Custom; Server = the server above, Stream Key = the stream key. Phone apps: paste the full push URL. The stream key lets anyone go live as you: keep it private.",
      "stream.playback": "Viewers play: {url}", "stream.none": "HQ has not set up a live service yet. Once it has, the server and stream key show here; meanwhile you can paste your live service's playback URL when editing the campaign.",
      "stream.noneAdmin": "No live service set up yet: ", "stream.setUp": "Set up the live service",
      "stream.settings": "Live service (push and playback)", "stream.intro": "Once set, leaders see an OBS server and stream key on every campaign page; a campaign without its own playback URL plays the one made here.",
      "stream.kind": "Service", "stream.kind.tencent": "Tencent Cloud CSS", "stream.kind.templates": "Other (URL templates)",
      "stream.pushDomain": "Push domain (e.g. push.example.com)", "stream.playDomain": "Playback domain (optional, e.g. play.example.com)", "stream.appName": "AppName (default live)",
      "stream.pushKey": "Push auth key (optional)", "stream.playKey": "Playback auth key (optional)", "stream.keySet": "Set (leave empty to keep it)", "stream.keyUnreadable": "The saved key can no longer be read: enter it again.",
      "stream.pushTemplate": "Push URL template (rtmp, rtmps, srt, webrtc or https)", "stream.playTemplate": "Playback URL template (https, optional)",
      "stream.templateHint": "Placeholders: {streamName}, {campaignId}, and for signing {txSecret}, {txTime} (signed with the keys above, as Tencent Cloud does).",
      "stream.validHours": "Push URL valid for (hours, 1–72)", "stream.save": "Save live service", "stream.remove": "Remove live service", "stream.removed": "Live service removed",
      "stream.configured": "Now: {kind}, updated {time}", "stream.notConfigured": "No live service is set up yet.",
      "problem.no-stream-provider": "HQ has not set up a live service yet.", "problem.stream-provider-key-unreadable": "The live service's saved key can no longer be read: HQ must enter it again.",
    },
  });

  const h = SC.el;
  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));

  async function copy(text) {
    try { await navigator.clipboard.writeText(text); } catch (e) {
      const area = h("textarea", { class: "sr-only", "aria-hidden": "true" }, text);
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    SC.toast(SC.t("common.copied"));
  }

  /** A labelled value in monospace with its own copy button. */
  function copyRow(id, labelKey, value) {
    return h("div", { class: "field stream-value", id },
      tx("strong", labelKey),
      h("code", { class: "secret" }, value),
      h("div", { class: "actions" }, h("button", { type: "button", class: "copy-stream", "aria-label": SC.t("stream.copy") + " " + SC.t(labelKey), onclick: () => copy(value) }, tx("span", "stream.copy"))));
  }

  // ---- the campaign page: 推流地址 and 推流密钥 --------------------------------------------------------------------

  function campaignPage(root, campaignId, ctx) {
    const body = h("div", { id: "stream-push-body", "aria-live": "polite" }, tx("p", "common.loading", { class: "muted" }));
    const card = h("section", { class: "card", id: "stream-push" }, tx("h3", "stream.heading"), body);
    const lifecycle = root.querySelector("#lifecycle");
    if (lifecycle) lifecycle.after(card); else root.append(card);
    ctx.api("GET", `/api/campaigns/${encodeURIComponent(campaignId)}/stream/push`).then((p) => {
      SC.fill(body,
        copyRow("stream-server", "stream.server", p.server),
        p.streamKey ? copyRow("stream-key", "stream.key", p.streamKey) : null,
        copyRow("stream-url", "stream.url", p.pushUrl),
        h("p", { class: "hint", id: "stream-expires" }, p.expiresAt ? SC.t("stream.expires", { time: SC.formatTime(p.expiresAt) }) : SC.t("stream.noExpiry")),
        tx("p", "stream.obsHint", { class: "hint" }),
        p.playbackUrl ? h("p", { class: "hint", id: "stream-playback" }, SC.t("stream.playback", { url: p.playbackUrl })) : null);
    }).catch((e) => {
      if (e.code === "no-stream-provider") {
        const admin = ctx.state.me && ctx.state.me.role === "admin";
        SC.fill(body, admin
          ? h("p", { class: "hint", id: "stream-none" }, tx("span", "stream.noneAdmin"), tx("a", "stream.setUp", { href: "#/stream" }))
          : tx("p", "stream.none", { class: "hint", id: "stream-none" }));
        return;
      }
      SC.fill(body, h("div", { class: "error", role: "alert", id: "stream-push-error" }, e.message || String(e)));
    });
  }

  // ---- HQ: the chain's live service ----------------------------------------------------------------------------------

  function render(app, k) {
    const { state, api, field, errorBox, onSubmit, viewTitle } = k;
    const path = `/api/chains/${encodeURIComponent(state.me.chainId)}/stream-provider`;
    const kind = field("stream-kind", "stream.kind", { name: "kind" }, "select");
    SC.fill(kind.querySelector("select"),
      h("option", { value: "tencent-css", "data-i18n": "stream.kind.tencent" }, SC.t("stream.kind.tencent")),
      h("option", { value: "templates", "data-i18n": "stream.kind.templates" }, SC.t("stream.kind.templates")));
    const tencent = h("div", { id: "stream-tencent" },
      field("stream-push-domain", "stream.pushDomain", { name: "pushDomain", maxlength: 253, autocomplete: "off", spellcheck: "false" }),
      field("stream-play-domain", "stream.playDomain", { name: "playDomain", maxlength: 253, autocomplete: "off", spellcheck: "false" }),
      field("stream-app-name", "stream.appName", { name: "appName", maxlength: 32, placeholder: "live", autocomplete: "off" }));
    const templates = h("div", { id: "stream-templates", hidden: true },
      field("stream-push-template", "stream.pushTemplate", { name: "pushUrlTemplate", maxlength: 500, autocomplete: "off", spellcheck: "false", placeholder: "rtmp://push.example.com/live/{streamName}" }),
      field("stream-play-template", "stream.playTemplate", { name: "playbackUrlTemplate", maxlength: 500, autocomplete: "off", spellcheck: "false", placeholder: "https://play.example.com/live/{streamName}.m3u8" }),
      tx("p", "stream.templateHint", { class: "hint" }));
    const form = h("form", { id: "stream-provider-form" }, kind, tencent, templates,
      field("stream-push-key", "stream.pushKey", { name: "pushKey", type: "password", maxlength: 128, autocomplete: "new-password" }),
      field("stream-play-key", "stream.playKey", { name: "playKey", type: "password", maxlength: 128, autocomplete: "new-password" }),
      field("stream-valid-hours", "stream.validHours", { name: "validHours", type: "number", min: 1, max: 72, value: 24 }),
      errorBox("stream-provider-error"),
      h("div", { class: "actions" },
        tx("button", "stream.save", { type: "submit", class: "primary", id: "stream-save" }),
        tx("button", "stream.remove", { type: "button", id: "stream-remove", hidden: true })));
    const status = h("p", { id: "stream-status", class: "hint", role: "status" });
    const $ = (id) => form.querySelector("#" + id);
    const showKind = () => {
      const isTencent = $("stream-kind").value === "tencent-css";
      tencent.hidden = !isTencent;
      templates.hidden = isTencent;
    };
    $("stream-kind").addEventListener("change", showKind);

    function show(p) {
      $("stream-remove").hidden = !p.configured;
      status.textContent = p.configured
        ? SC.t("stream.configured", { kind: SC.t(p.kind === "templates" ? "stream.kind.templates" : "stream.kind.tencent"), time: SC.formatTime(p.updatedAt) })
        : SC.t("stream.notConfigured");
      if (p.configured) {
        $("stream-kind").value = p.kind;
        $("stream-push-domain").value = p.pushDomain || "";
        $("stream-play-domain").value = p.playDomain || "";
        $("stream-app-name").value = p.appName || "";
        $("stream-push-template").value = p.pushUrlTemplate || "";
        $("stream-play-template").value = p.playbackUrlTemplate || "";
        $("stream-valid-hours").value = p.validHours;
      }
      // Keys are never answered: an empty password field keeps the stored one.
      for (const [id, has] of [["stream-push-key", p.hasPushKey], ["stream-play-key", p.hasPlayKey]]) {
        $(id).value = "";
        $(id).placeholder = has ? SC.t(p.keysReadable ? "stream.keySet" : "stream.keyUnreadable") : "";
      }
      showKind();
    }

    api("GET", path).then(show).catch((e) => SC.showError($("stream-provider-error"), e));
    onSubmit(form, $("stream-provider-error"), async () => {
      const isTencent = $("stream-kind").value === "tencent-css";
      const text = (id) => $(id).value.trim() || undefined;
      const body = isTencent
        ? { kind: "tencent-css", pushDomain: text("stream-push-domain"), playDomain: text("stream-play-domain"), appName: text("stream-app-name") }
        : { kind: "templates", pushUrlTemplate: text("stream-push-template"), playbackUrlTemplate: text("stream-play-template") };
      body.validHours = Number($("stream-valid-hours").value) || 24;
      // An empty key field is left out, so the stored key stays.
      if ($("stream-push-key").value) body.pushKey = $("stream-push-key").value;
      if ($("stream-play-key").value) body.playKey = $("stream-play-key").value;
      show(await api("PUT", path, { body }));
      SC.toast(SC.t("common.saved"));
    });
    $("stream-remove").addEventListener("click", async () => {
      try {
        await api("DELETE", path);
        show({ configured: false });
        SC.toast(SC.t("stream.removed"));
      } catch (e) { SC.showError($("stream-provider-error"), e); }
    });

    SC.fill(app, viewTitle("stream.settings"),
      h("section", { class: "card", id: "stream-provider" }, tx("p", "stream.intro", { class: "hint" }), status, form));
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({
    views: [{ name: "stream", navKey: "nav.stream", roles: ["admin"], render }],
    campaignPage,
  });
})();
