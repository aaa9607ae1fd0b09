"use strict"; SC.addStrings({ zh: { "console.title": "团长控制台" }, en: { "console.title": "Leader console" } }); SC.translate(); SC.bindLanguageToggle(document.getElementById("lang-toggle"));
