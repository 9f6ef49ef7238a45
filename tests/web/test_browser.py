"""A real browser on the real server: Debian's chromium (headless, driven by Selenium
through Debian's chromedriver; nothing is downloaded) signs in with a token, opens the
facility dashboard, records a payment through the form and sees the statement change.
Screenshots are saved under the test's temporary folder (the path is printed).

Without chromium and chromedriver (``apt-get install chromium chromium-driver``; CI
installs them) the test is skipped and says why; under CI it fails instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from loanbook.storage.store import Store
from loanbook.storage.users import Role, add_user

CHROMIUM = Path(os.environ.get("LOANBOOK_CHROMIUM", "/usr/bin/chromium"))
DRIVER = Path(os.environ.get("LOANBOOK_CHROMEDRIVER", "/usr/bin/chromedriver"))
REASON = (
    f"browser test skipped: Debian's chromium and chromedriver are not installed ({CHROMIUM}, "
    f"{DRIVER}; `apt-get install chromium chromium-driver`, as .ci/run does)"
)


def _browser_or_skip() -> None:
    if CHROMIUM.exists() and DRIVER.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(REASON.replace("skipped", "cannot run under CI"))
    pytest.skip(REASON)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(template_db: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``loanbook serve`` on a copy of the book, on a free loopback port; (url, token)."""
    db = tmp_path / "book.db"
    shutil.copy(template_db, db)
    with Store.open(str(db)) as store:
        token = add_user(store, "cit-ops", Role.LENDER, "cit")[1]
    port = _free_port()
    loanbook = Path(sys.executable).with_name("loanbook")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(loanbook), "serve", "--db", str(db), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"server did not start: {(tmp_path / 'server.log').read_text()}")
        yield url, token
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: object, css: str) -> object:
    """The element once the page that has it is loaded (a click navigates asynchronously)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 30).until(  # type: ignore[arg-type]
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def _shot(driver: object, path: Path) -> None:
    height = driver.execute_script("return document.body.scrollHeight")  # type: ignore[attr-defined]
    driver.set_window_size(1400, min(int(height) + 40, 4000))  # type: ignore[attr-defined]
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    print(f"screenshot: {path}")


def test_sign_in_dashboard_payment_statement(
    browser: object, server: tuple[str, str], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    url, token = server
    d = browser
    d.get(f"{url}/facilities/cit-facility?as_of=1997-01-31")  # type: ignore[attr-defined]
    assert "/signin" in d.current_url  # type: ignore[attr-defined]
    d.find_element(By.ID, "token").send_keys(token)  # type: ignore[attr-defined]
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()  # type: ignore[attr-defined]
    _wait(d, "svg.chart")
    assert "/facilities/cit-facility" in d.current_url  # type: ignore[attr-defined]
    body = d.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert "Next dues" in body and "Balances" in body
    assert "3,700,856.25" in body  # 4,554,900.00 - 9 x 94,893.75 paid in 1996
    _shot(d, tmp_path / "dashboard.png")

    d.find_element(By.LINK_TEXT, "cit-note").click()  # type: ignore[attr-defined]
    total = _wait(d, "#total-due")
    assert total.text == "121,981.96"  # type: ignore[attr-defined]  # the January 1997 installment and interest

    amount = d.find_element(By.ID, "pay-amount")  # type: ignore[attr-defined]
    amount.send_keys("121,981.9x")
    d.find_element(By.ID, "pay-submit").click()  # type: ignore[attr-defined]
    alert = _wait(d, "#record-payment .error")
    assert "Nothing was recorded" in alert.text and "amount" in alert.text  # type: ignore[attr-defined]
    assert d.find_element(By.ID, "total-due").text == "121,981.96"  # type: ignore[attr-defined]

    amount = d.find_element(By.ID, "pay-amount")  # type: ignore[attr-defined]
    amount.clear()
    amount.send_keys("121981.96")
    d.find_element(By.ID, "pay-reference").send_keys("wire 1997-01")  # type: ignore[attr-defined]
    d.find_element(By.ID, "pay-submit").click()  # type: ignore[attr-defined]
    flash = _wait(d, ".flash")
    assert "recorded" in flash.text  # type: ignore[attr-defined]
    assert d.find_element(By.ID, "total-due").text == "0.00"  # type: ignore[attr-defined]
    lines = d.find_element(By.ID, "statement").text  # type: ignore[attr-defined]
    assert "payment applied" in lines
    _shot(d, tmp_path / "loan-after-payment.png")
