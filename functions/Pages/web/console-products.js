// The console's product add-on, on each card of the 商品 view: 编辑 (PATCH /api/products/{id} with If-Match on the
// product's etag, so an edit made elsewhere meanwhile is not overwritten) and the photo strip (thumbnails, upload as the
// raw file, delete). Loaded before console.js, which calls productCard through window.SCConsoleExtensions.
"use strict";

(function () {
  const h = SC.el;
  const enc = encodeURIComponent;
  const MAX_PHOTOS = 9;
  const MAX_BYTES = 5 * 1024 * 1024;
  const FIELDS = [
    // name, label key, limit (the API's), multi-line
    ["name", "products.name", 60], ["category", "products.category", 30], ["unit", "products.unit", 10],
    ["origin", "products.origin", 100], ["batch", "products.batch", 60], ["story", "products.story", 2000, true],
  ];

  SC.addStrings({
    zh: {
      "pedit.edit": "编辑", "pedit.save": "保存修改", "pedit.saved": "商品已保存：{name}", "pedit.hint": "产地、批次、溯源故事留空即清除。",
      "pedit.photos": "商品照片", "pedit.noPhotos": "还没有商品照片",
      "pedit.file": "上传商品照片（JPEG、PNG 或 WebP，最大 5 MB，最多 9 张）", "pedit.upload": "上传照片", "pedit.uploaded": "照片已上传",
      "pedit.delete": "删除", "pedit.deleteLabel": "删除第 {n} 张照片", "pedit.photoAlt": "{name} 的第 {n} 张照片", "pedit.deleted": "照片已删除",
      "pedit.chooseFile": "请先选择照片。", "pedit.tooLarge": "照片太大：每张最大 5 MB。", "pedit.full": "每个商品最多 9 张照片，请先删除一张。",
      "problem.precondition-failed": "这个商品刚被别人修改过。请刷新页面，看过最新内容后再改。",
      "problem.too-many-photos": "每个商品最多 9 张照片，请先删除一张。",
    },
    en: {
      "pedit.edit": "Edit", "pedit.save": "Save changes", "pedit.saved": "Product saved: {name}", "pedit.hint": "Leave origin, batch or story empty to clear it.",
      "pedit.photos": "Product photos", "pedit.noPhotos": "No product photo yet",
      "pedit.file": "Upload a product photo (JPEG, PNG or WebP, up to 5 MB, at most 9)", "pedit.upload": "Upload photo", "pedit.uploaded": "Photo uploaded",
      "pedit.delete": "Delete", "pedit.deleteLabel": "Delete photo {n}", "pedit.photoAlt": "Photo {n} of {name}", "pedit.deleted": "Photo deleted",
      "pedit.chooseFile": "Choose a photo first.", "pedit.tooLarge": "The photo is too large: at most 5 MB each.", "pedit.full": "A product has at most 9 photos: delete one first.",
      "problem.precondition-failed": "Someone has just changed this product. Reload the page, check what it says now, then edit again.",
      "problem.too-many-photos": "A product has at most 9 photos: delete one first.",
    },
  });

  let seq = 0;

  function productCard(li, product, ctx) {
    const n = ++seq;
    li.append(editForm(product, ctx, n), photoStrip(product, ctx, n));
  }

  function editForm(product, ctx, n) {
    const error = h("div", { class: "error", role: "alert", hidden: true });
    const inputs = FIELDS.map(([name, key, max, multiline]) => {
      const id = `pedit-${name}-${n}`;
      const input = h(multiline ? "textarea" : "input", { id, name, maxlength: max, required: ["name", "category", "unit"].includes(name) || null });
      input.value = product[name] || "";
      return h("div", { class: "field" }, h("label", { for: id, "data-i18n": key }, SC.t(key)), input);
    });
    const save = h("button", { type: "submit", class: "primary", "data-i18n": "pedit.save" }, SC.t("pedit.save"));
    const form = h("form", { class: "product-edit" }, h("p", { class: "hint", "data-i18n": "pedit.hint" }, SC.t("pedit.hint")),
      h("div", { class: "form-grid" }, inputs.slice(0, 5)), inputs[5], error, h("div", { class: "actions" }, save));
    form.noValidate = true;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      SC.showError(error, null, form);
      // Only what changed is sent: a field someone else edited meanwhile is left as they saved it.
      const body = {};
      for (const [name] of FIELDS) {
        const value = form.elements[name].value.trim();
        if (value !== (product[name] || "")) body[name] = value;
      }
      if (!Object.keys(body).length) { SC.toast(SC.t("common.saved")); return; }
      save.disabled = true;
      try {
        const saved = await ctx.api("PATCH", "/api/products/" + enc(product.productId), { body, headers: { "If-Match": product.etag } });
        SC.toast(SC.t("pedit.saved", { name: saved.name }));
        window.dispatchEvent(new HashChangeEvent("hashchange")); // draw the products view again with what was saved
      } catch (e) {
        SC.showError(error, e, form);
        save.disabled = false;
      }
    });
    return h("details", { class: "product-edit-box" }, h("summary", { "data-i18n": "pedit.edit" }, SC.t("pedit.edit")), form);
  }

  function photoStrip(product, ctx, n) {
    let photos = (product.photos || []).slice();
    const list = h("ul", { class: "product-photos" });
    const status = h("div", { class: "photo-status", role: "status" });
    const error = h("div", { class: "error", role: "alert", hidden: true });
    const id = "photo-file-" + n;
    const input = h("input", { type: "file", id, accept: "image/*" });
    const upload = h("button", { type: "button", class: "photo-upload", "data-i18n": "pedit.upload" }, SC.t("pedit.upload"));

    const draw = () => {
      if (!photos.length) { SC.fill(list, h("li", { class: "muted" }, SC.t("pedit.noPhotos"))); return; }
      SC.fill(list, photos.map((p, i) => {
        const remove = h("button", { type: "button", class: "photo-delete", "aria-label": SC.t("pedit.deleteLabel", { n: i + 1 }) }, SC.t("pedit.delete"));
        remove.addEventListener("click", () => removePhoto(p, remove));
        return h("li", { "data-photo-id": p.photoId },
          h("img", { src: p.url, alt: SC.t("pedit.photoAlt", { name: product.name, n: i + 1 }), loading: "lazy", width: 96, height: 96 }), remove);
      }));
    };

    async function removePhoto(photo, button) {
      SC.showError(error, null);
      button.disabled = true;
      try {
        await ctx.api("DELETE", `/api/products/${enc(product.productId)}/photos/${enc(photo.photoId)}`);
        photos = photos.filter((p) => p.photoId !== photo.photoId);
        draw();
        status.textContent = SC.t("pedit.deleted");
      } catch (e) {
        SC.showError(error, e);
        button.disabled = false;
      }
    }

    upload.addEventListener("click", async () => {
      SC.showError(error, null);
      status.textContent = "";
      const file = input.files && input.files[0];
      if (!file) { SC.showError(error, new Error(SC.t("pedit.chooseFile"))); return; }
      if (file.size > MAX_BYTES) { SC.showError(error, new Error(SC.t("pedit.tooLarge"))); return; }
      if (photos.length >= MAX_PHOTOS) { SC.showError(error, new Error(SC.t("pedit.full"))); return; }
      upload.disabled = true;
      try {
        // The browser's type only echoes the file name's extension; the API tells the type from the bytes, so claim none.
        const photo = await ctx.api("POST", `/api/products/${enc(product.productId)}/photos`, { raw: file, headers: { "Content-Type": "application/octet-stream" } });
        photos.push(photo);
        draw();
        input.value = "";
        status.textContent = SC.t("pedit.uploaded");
      } catch (e) {
        if (e.status === 413) e.message = SC.t("pedit.tooLarge");
        SC.showError(error, e);
      } finally {
        upload.disabled = false;
      }
    });

    draw();
    return h("div", { class: "product-photo-strip" },
      h("strong", { "data-i18n": "pedit.photos" }, SC.t("pedit.photos")), list,
      h("label", { for: id, "data-i18n": "pedit.file" }, SC.t("pedit.file")),
      h("div", { class: "file-upload" }, input, upload), error, status);
  }

  (window.SCConsoleExtensions = window.SCConsoleExtensions || []).push({ productCard });
})();
