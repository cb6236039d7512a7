"""Open report.html in real headless Chromium: images load, no request leaves the page, no errors.

The first screen is saved as a PNG: in ``$VEIKART_SCREENSHOT_DIR`` when set, else in
pytest's temporary folder (the path is printed; ``pytest -s`` shows it).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from simulator.report import ReportData, write_report

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--window-size=1280,900")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile, logging the page's network events and console."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver, path: Path) -> tuple[list[dict], list[dict]]:
    """Load ``path`` and return its network events and console entries, and nothing from before."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get_log("performance")  # drain what the start page logged
    driver.get_log("browser")
    driver.get(path.as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && "
        "Array.from(document.images).every(i => i.complete)"))
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    return [e for e in events if e["method"].startswith("Network.")], driver.get_log("browser")


def _screenshot_path(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("VEIKART_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.mark.parametrize("which, lang", [("roadmap", "nb"), ("tiny", "en")])
def test_report_in_chromium(browser, request, tmp_path, which, lang):
    from PIL import Image

    data: ReportData = request.getfixturevalue(f"{which}_data")
    page = write_report(data, tmp_path / "report.html", lang=lang)
    network, console = _open(browser, page)

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    # six figures, and coverage and utilisation when the scenario has rollouts and resources
    expected = 6 + (len(data.coverage) > 0) + (len(data.utilisation) > 0)
    assert len(images) == expected == page.read_text(encoding="utf-8").count("data:image/png;base64,")
    assert all(done and width > 0 and height > 0 for done, width, height in images), images

    requested = [e["params"]["request"]["url"] for e in network
                 if e["method"] == "Network.requestWillBeSent"]
    assert page.as_uri() in requested
    outside = [u for u in requested if u != page.as_uri() and not u.startswith("data:")]
    assert outside == [], f"the page asked the network for {outside}"
    assert not [e for e in network if e["method"].startswith("Network.webSocket")]

    errors = [entry for entry in console if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    assert browser.execute_script("return document.documentElement.lang") == lang
    assert browser.find_element("tag name", "h1").text == data.meta["name"]

    png = browser.get_screenshot_as_png()
    shot = _screenshot_path(tmp_path, f"report-first-screen-{which}-{lang}.png")
    shot.write_bytes(png)
    print(f"\nfirst screen of the {lang} report: {shot}")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, "the screenshot looks blank"
    assert max(n for n, _ in colours) < 0.9 * image.width * image.height


def test_script_in_the_scenario_runs_nothing(browser, evil_result, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    data = ReportData.from_result(evil_result)
    page = write_report(data, tmp_path / "report.html", lang="en")
    _, console = _open(browser, page)
    with pytest.raises(NoAlertPresentException):
        _ = browser.switch_to.alert.text
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.find_element("tag name", "h1").text == "<script>alert(1)</script>"
    assert "<img src=x onerror=alert(2)>PLL & co" in browser.find_element("tag name", "body").text
    assert [e for e in console if e["level"] == "SEVERE"] == []
