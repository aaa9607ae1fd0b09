"use strict"; SC.addStrings({ zh: { "live.title": "直播间" }, en: { "live.title": "Live room" } }); SC.translate(); SC.bindLanguageToggle(document.getElementById("lang-toggle"));
