// The pickup counter (提货柜台) on a campaign's page, beside the 核销 form of console.js: 扫码核销 with the device's camera
// (jsQR, loaded on first use), 从图片识别 for a photo of the member's QR code, finding a neighbour by the last 4 digits of
// her phone (her confirmed orders; the code itself still comes from her), and the printable sorting sheet (分拣单).
// Loaded before console.js, which calls the campaign hook through window.SCConsoleExtensions.
"use strict";

(function () {
  SC.addStrings({
    zh: {
      "counter.scan": "扫码核销", "counter.stop": "停止扫码", "counter.image": "从图片识别",
      "counter.scanning": "请把会员手机上的提货码二维码对准摄像头…", "counter.starting": "正在打开摄像头…",
      "counter.noCamera": "无法打开摄像头：{reason}。可以手动输入提货码，或用“从图片识别”。",
      "counter.noCode": "没有识别到提货码二维码，请换一张更清晰的照片。", "counter.notCode": "识别到的不是提货码（应为 8 位数字）。",
      "counter.loadFailed": "扫码组件加载失败，请刷新页面或手动输入提货码。",
      "counter.tail": "按手机尾号查找（后 4 位）", "counter.tailHint": "只用于找到邻居和她的订单；核销仍需她出示提货码。",
      "counter.tailNone": "尾号 {tail} 没有待自提的订单。", "counter.tailOrders": "{n} 笔订单 · {items}",
      "counter.askCode": "请她出示提货码", "counter.asked": "请 {name} 出示提货码（8 位数字或二维码）。",
      "counter.sheet": "打印分拣单", "counter.sheetHint": "按货架分页的分拣/配货单（在新窗口打开后用浏览器“打印”）。",
      "counter.sheetBlocked": "浏览器拦截了新窗口，请允许本站弹出窗口后再试。",
    },
    en: {
      "counter.scan": "Scan to verify", "counter.stop": "Stop scanning", "counter.image": "Read from a photo",
      "counter.scanning": "Hold the QR code on the member's phone up to the camera…", "counter.starting": "Opening the camera…",
      "counter.noCamera": "Cannot open the camera: {reason}. Type the pickup code, or use “Read from a photo”.",
      "counter.noCode": "No pickup-code QR found; try a sharper photo.", "counter.notCode": "That QR code is not a pickup code (8 digits).",
      "counter.loadFailed": "The scanner failed to load; reload the page or type the code.",
      "counter.tail": "Find by phone tail (last 4 digits)", "counter.tailHint": "Only finds the neighbour and her orders; handing over still needs her pickup code.",
      "counter.tailNone": "No pickup orders waiting for phone tail {tail}.", "counter.tailOrders": "{n} order(s) · {items}",
      "counter.askCode": "Ask for her code", "counter.asked": "Ask {name} to show her pickup code (8 digits or QR code).",
      "counter.sheet": "Print sorting sheet", "counter.sheetHint": "The sorting/packing sheet, one page per shelf (opens in a new window; print it from there).",
      "counter.sheetBlocked": "The browser blocked the new window; allow pop-ups for this site and try again.",
    },
  });

  const h = SC.el;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const tx = (tag, key, attrs) => h(tag, Object.assign({ "data-i18n": key }, attrs || {}), SC.t(key));
  const CODE = /^[0-9]{8}$/;
  const SCAN_WIDTH = 640; // decoding a full HD frame on a counter tablet is slow; a QR code held up close survives this

  let decoderLoading = null;
  function loadDecoder() {
    if (window.jsQR) return Promise.resolve();
    decoderLoading = decoderLoading || new Promise((resolve, reject) => {
      const script = h("script", { src: "/assets/jsqr.js" });
      script.onload = resolve;
      script.onerror = () => { decoderLoading = null; reject(new Error(SC.t("counter.loadFailed"))); };
      document.head.append(script);
    });
    return decoderLoading;
  }

  /** The text of a QR code in the picture, or null. */
  function decode(canvas, source, width, height) {
    const scale = Math.min(1, SCAN_WIDTH / width);
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const g = canvas.getContext("2d", { willReadFrequently: true });
    g.drawImage(source, 0, 0, canvas.width, canvas.height);
    const found = window.jsQR(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height, { inversionAttempts: "attemptBoth" });
    return found && found.data ? found.data.trim() : null;
  }

  function campaignPage(root, campaignId, ctx) {
    const card = $("#fulfilment", root);
    const form = $("#pickup-form", root);
    const codeInput = $("#pickup-code", root);
    if (!card || !form || !codeInput) return;
    const path = "/api/campaigns/" + encodeURIComponent(campaignId);

    // -- 扫码核销 --
    const status = h("p", { id: "scan-status", class: "muted", role: "status", hidden: true });
    const video = h("video", { id: "scan-video", playsinline: "", muted: "", autoplay: "", hidden: true });
    video.muted = true;
    const canvas = h("canvas", { hidden: true });
    const scanButton = tx("button", "counter.scan", { type: "button", id: "pickup-scan" });
    const stopButton = tx("button", "counter.stop", { type: "button", id: "pickup-scan-stop", hidden: true });
    const imageInput = h("input", { id: "pickup-image", type: "file", accept: "image/*", class: "counter-file" });
    const imageLabel = h("label", { class: "button", id: "pickup-image-label" }, tx("span", "counter.image"), imageInput);
    let stream = null;
    let timer = 0;

    function say(key, vars, isError) {
      status.hidden = false;
      status.className = isError ? "error" : "muted";
      status.setAttribute("role", isError ? "alert" : "status");
      status.textContent = SC.t(key, vars);
    }

    function stop() {
      clearTimeout(timer);
      if (stream) stream.getTracks().forEach((t) => t.stop());
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      stopButton.hidden = true;
      scanButton.hidden = false;
    }

    // A code read by the camera or from a photo goes through the same form as a typed one.
    function use(text) {
      if (!CODE.test(text || "")) { say("counter.notCode", null, true); return false; }
      stop();
      status.hidden = true;
      codeInput.value = text;
      form.requestSubmit();
      return true;
    }

    function tick() {
      if (!stream) return;
      if (!video.isConnected) { stop(); return; } // the page was left
      if (video.readyState >= 2 && video.videoWidth > 0) {
        const text = decode(canvas, video, video.videoWidth, video.videoHeight);
        if (text && CODE.test(text)) { use(text); return; }
        if (text) say("counter.notCode", null, true);
      }
      timer = setTimeout(tick, 150);
    }

    scanButton.addEventListener("click", async () => {
      say("counter.starting");
      scanButton.disabled = true;
      try {
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("getUserMedia");
        const [media] = await Promise.all([
          navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false }),
          loadDecoder(),
        ]);
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        stopButton.hidden = false;
        scanButton.hidden = true;
        await video.play().catch(() => {});
        say("counter.scanning");
        tick();
      } catch (e) {
        stop();
        say(e.message === SC.t("counter.loadFailed") ? "counter.loadFailed" : "counter.noCamera", { reason: e.name || e.message }, true);
      } finally {
        scanButton.disabled = false;
      }
    });
    stopButton.addEventListener("click", () => { stop(); status.hidden = true; });

    imageInput.addEventListener("change", async () => {
      const file = imageInput.files && imageInput.files[0];
      imageInput.value = "";
      if (!file) return;
      try {
        await loadDecoder();
        const bitmap = await createImageBitmap(file);
        const text = decode(canvas, bitmap, bitmap.width, bitmap.height);
        bitmap.close();
        if (!text) { say("counter.noCode", null, true); return; }
        use(text);
      } catch (e) {
        say(e.message === SC.t("counter.loadFailed") ? "counter.loadFailed" : "counter.noCode", null, true);
      }
    });

    const row = $(".row", form) || form;
    row.append(scanButton, stopButton, imageLabel);
    form.after(h("div", { id: "pickup-scanner" }, status, video, canvas));

    // -- 按手机尾号查找 --
    const tailInput = h("input", { id: "pickup-tail", name: "phoneTail", inputmode: "numeric", autocomplete: "off", maxlength: 4, pattern: "[0-9]*" });
    const matches = h("ul", { id: "pickup-matches", class: "list-plain", "aria-live": "polite" });
    const tailBox = h("div", { id: "pickup-tail-box" },
      h("div", { class: "field" }, tx("label", "counter.tail", { for: "pickup-tail" }), tailInput),
      tx("p", "counter.tailHint", { class: "hint" }), matches);
    let tailSeq = 0;
    tailInput.addEventListener("input", async () => {
      const tail = tailInput.value.trim();
      const seq = ++tailSeq;
      if (!/^[0-9]{4}$/.test(tail)) { SC.fill(matches); return; }
      try {
        const list = await ctx.api("GET", path + "/pickup-list");
        if (seq !== tailSeq) return;
        // maskedPhone keeps the last 4 digits (138****1234): enough to find her without the full number.
        const waiting = list.filter((o) => o.status === "confirmed" && String(o.maskedPhone || "").endsWith(tail));
        const members = new Map();
        waiting.forEach((o) => { if (!members.has(o.memberId)) members.set(o.memberId, []); members.get(o.memberId).push(o); });
        if (!members.size) { SC.fill(matches, h("li", { class: "muted" }, SC.t("counter.tailNone", { tail }))); return; }
        SC.fill(matches, Array.from(members.values()).map((orders) => {
          const first = orders[0];
          const totals = new Map();
          orders.forEach((o) => (o.items || []).filter((l) => l.status !== "cancelled").forEach((l) => totals.set(l.name, (totals.get(l.name) || 0) + l.quantity)));
          const items = Array.from(totals, ([name, q]) => `${name} ×${q}`).join("、");
          return h("li", { class: "pickup-match", "data-member-id": first.memberId },
            h("strong", {}, first.memberName), " ", h("span", { class: "muted" }, first.maskedPhone), " · ",
            h("span", { class: "status", "data-status": first.status }, SC.statusLabel(first.status)), " ",
            h("div", {}, SC.t("counter.tailOrders", { n: orders.length, items })),
            h("button", {
              type: "button", class: "ask-code",
              onclick: () => {
                const result = $("#pickup-result", root);
                if (result) { result.dataset.result = "ask"; result.setAttribute("role", "status"); result.textContent = SC.t("counter.asked", { name: first.memberName }); }
                codeInput.focus();
              },
            }, SC.t("counter.askCode")));
        }));
      } catch (e) {
        if (seq === tailSeq) SC.fill(matches, h("li", { class: "error", role: "alert" }, e.message));
      }
    });
    const result = $("#pickup-result", root);
    (result || form).after(tailBox);

    // -- 打印分拣单 --
    const sheetButton = tx("button", "counter.sheet", { type: "button", id: "sorting-sheet-open" });
    const sheetError = h("p", { id: "sorting-sheet-error", class: "error", role: "alert", hidden: true });
    sheetButton.addEventListener("click", async () => {
      // Opened now, while the click still counts as the person's: a window opened after the fetch would be blocked.
      const win = window.open("", "_blank");
      if (!win) { sheetError.hidden = false; sheetError.textContent = SC.t("counter.sheetBlocked"); return; }
      sheetError.hidden = true;
      sheetButton.disabled = true;
      try {
        // The sheet needs the key, which a plain link cannot carry: fetch it, then show it from a blob.
        const blob = await ctx.api("GET", path + "/sorting-sheet", { blob: true, accept: "text/html" });
        const url = URL.createObjectURL(new Blob([blob], { type: "text/html;charset=utf-8" }));
        win.location.href = url;
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } catch (e) {
        win.close();
        sheetError.hidden = false;
        sheetError.textContent = e.message;
      } finally {
        sheetButton.disabled = false;
      }
    });
    card.append(h("div", { class: "sheet-actions" }, sheetButton, tx("span", "counter.sheetHint", { class: "hint" }), sheetError));
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ campaignPage });
})();
