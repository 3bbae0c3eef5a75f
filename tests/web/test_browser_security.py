"""The Content-Security-Policy in a real browser: the pages' own modules run, injected inline script does not."""

from __future__ import annotations

import time


def test_injected_inline_script_is_blocked_and_reported(page):  # noqa: ANN001
    page.goto("/signin")
    page.locator("#signin-button").wait_for()
    assert page.evaluate("() => document.querySelector('script[type=module]') !== null")
    page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.head.append(script);
        const link = document.createElement('div');
        link.setAttribute('onclick', 'window.injected = true');
        document.body.append(link);
        link.click();
    }""")
    assert page.evaluate("() => window.injected === undefined")
    deadline = time.monotonic() + 10
    while not page.csp_violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.csp_violations and all("Content Security Policy" in text for text in page.csp_violations)
    page.csp_violations.clear()  # seen and expected: the page fixture fails on any other
