/* hookline.js: small progressive enhancements (the pages work without it):
 * <time> elements in the reader's time zone, named (UTC stays in the title), copy
 * buttons, absolute receive URLs, a custom analytics range chosen by
 * typing its dates. Loaded from 'self' only (CSP). */
(function () {
	"use strict";
	function localTimes() {
		var els = document.querySelectorAll("time[datetime]");
		for (var i = 0; i < els.length; i++) {
			var d = new Date(els[i].getAttribute("datetime"));
			if (isNaN(d.getTime())) continue;
			// The filters take UTC: name the zone these are shown in.
			els[i].textContent = d.toLocaleString(undefined, { timeZoneName: "short" });
			els[i].title = els[i].getAttribute("datetime") + " UTC";
		}
	}
	function copyButtons() {
		var btns = document.querySelectorAll("button[data-copy]");
		for (var i = 0; i < btns.length; i++) {
			btns[i].addEventListener("click", function (ev) {
				var btn = ev.currentTarget;
				var input = document.getElementById(btn.getAttribute("data-copy"));
				if (!input) return;
				input.select();
				var done = function () { btn.textContent = "Copied"; };
				if (navigator.clipboard && navigator.clipboard.writeText) {
					navigator.clipboard.writeText(input.value).then(done, function () {
						document.execCommand("copy"); done();
					});
				} else {
					document.execCommand("copy"); done();
				}
			});
		}
	}
	function absoluteUrls() {
		var els = document.querySelectorAll("input[data-absolute]");
		for (var i = 0; i < els.length; i++)
			els[i].value = window.location.origin + els[i].value;
	}
	// On narrow screens the navigation scrolls sideways: show the current page.
	function currentNav() {
		var cur = document.querySelector(".top nav a[aria-current]");
		if (cur && cur.parentNode.scrollWidth > cur.parentNode.clientWidth)
			cur.parentNode.scrollLeft = cur.offsetLeft - cur.parentNode.offsetLeft -
				(cur.parentNode.clientWidth - cur.offsetWidth) / 2;
	}
	// Dates typed into a custom range apply only with "Custom" chosen:
	// typing one chooses it (without script the labels say so).
	function customRange() {
		var range = document.getElementById("range");
		var ids = ["since", "until"];
		if (!range || !range.querySelector("option[value=custom]")) return;
		for (var i = 0; i < ids.length; i++) {
			var el = document.getElementById(ids[i]);
			if (el) el.addEventListener("change", function (ev) {
				if (ev.currentTarget.value) range.value = "custom";
			});
		}
	}
	document.addEventListener("DOMContentLoaded", function () {
		currentNav();
		customRange();
		localTimes();
		copyButtons();
		absoluteUrls();
	});
})();
