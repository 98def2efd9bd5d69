"""The dashboard in a real headless Chromium (selenium + Debian's chromium-driver), against a
real Redis with real worker, listener and dashboard processes: a parked instance is listed,
its page highlights the waiting Jactl line and shows a local's value, Cancel cancels, Deliver
resumes it and the result appears, and the activity chart renders; and one dashboard process
over a fleet of two shards (two private redis-servers): both shards listed, an instance of
shard 1 delivered to and completed, the Fleet page's row per shard, and a stopped shard shown
as down while the other is still listed. Screenshots go to
.ci/artifacts/screenshots (or $JACTL_SCREENSHOTS), which .ci/run prints."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import REDIS_URL, Proc, wait_for

ROOT = Path(__file__).resolve().parents[3]
SHOTS = Path(os.environ.get("JACTL_SCREENSHOTS") or ROOT / ".ci" / "artifacts" / "screenshots")
TOKEN = "browser-test-token"

SCRIPT = """\
def charge(order) {
  def amount = order.qty * order.price
  def reply = receive('pay-' + order.id, 600000)
  return [order: order.id, amount: amount, paid: reply.ok]
}
def order = [id: instanceId, qty: 3, price: 7]
charge(order)
"""


def _chromium():
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        browser = None
    if not (browser and driver):
        if os.environ.get("CI"):
            pytest.fail("CI needs chromium, chromium-driver and selenium (.ci/run installs them)")
        pytest.skip("chromium + chromium-driver + selenium are not installed")
    return browser, driver


@pytest.fixture
def browser():
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(driver_path), options=opts)
    d.implicitly_wait(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield d
    d.quit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dashboard(fleet, *extra: str, redis_url: str = REDIS_URL) -> str:
    port = _free_port()
    env = {**os.environ, **fleet.env, "JACTL_REDIS_URL": redis_url, "JACTL_PREFIX": fleet.prefix,
           "JACTL_QUEUE": fleet.queue, "JACTL_DASHBOARD_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    log = fleet.tmp / "dashboard.log"
    popen = subprocess.Popen([sys.executable, "-m", "jactl_worker", "dashboard", "--port", str(port), *extra],
                             cwd=fleet.tmp, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                             start_new_session=True)
    fleet.procs.append(Proc("dashboard", "dashboard", popen, log))
    url = f"http://127.0.0.1:{port}"

    def up():
        assert popen.poll() is None, log.read_text()
        try:
            return urllib.request.urlopen(url + "/fleet", timeout=2).status == 200
        except OSError:
            return False

    wait_for(up, 30, what="the dashboard to serve")
    return url


def _until(driver, fn, timeout=20.0, what="the page"):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    def probe():
        try:
            return fn()
        except (NoSuchElementException, StaleElementReferenceException):
            return None

    return wait_for(probe, timeout, 0.1, what=what)


def test_the_dashboard_in_a_browser(fleet, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    fleet.worker()
    fleet.listener()
    url = _dashboard(fleet)
    paid = fleet.client.start(SCRIPT, instance_id="order-paid")
    dropped = fleet.client.start(SCRIPT, instance_id="order-dropped")
    for iid in (paid, dropped):
        wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what=f"{iid} to park")

    # reading needs no token; the actions do, so log in with the printed link first
    browser.get(f"{url}/login?token={TOKEN}")
    assert browser.current_url.endswith("/instances")
    Select(browser.find_element(By.ID, "state")).select_by_value("waiting")
    _until(browser, lambda: "state=waiting" in browser.current_url, what="htmx to refilter")
    rows = _until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "tr.row[data-id]"), what="rows")
    assert {r.get_attribute("data-id") for r in rows} == {paid, dropped}
    assert all("waiting" in r.text and "pay-order-" in r.text for r in rows)
    browser.save_screenshot(str(SHOTS / "01-instances-waiting.png"))

    # the instance page: the line it waits on is highlighted, locals show their values
    browser.find_element(By.LINK_TEXT, paid).click()
    _until(browser, lambda: browser.find_element(By.ID, "instance-id").text == paid, what="the instance page")
    here = browser.find_element(By.CSS_SELECTOR, "pre.src .line.here")
    assert "receive('pay-' + order.id, 600000)" in here.text and here.get_attribute("id") == "L3"
    assert browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", here) != "rgba(0, 0, 0, 0)"
    amount = browser.find_element(By.CSS_SELECTOR, "code.value[data-local='amount']")
    assert amount.text == "21"
    assert "charge" in browser.find_element(By.CSS_SELECTOR, ".stack .frame .fn").text
    assert "pay-order-paid" in browser.find_element(By.ID, "wait").text
    browser.save_screenshot(str(SHOTS / "02-instance-waiting.png"))

    # Deliver: the listener resumes it, a worker completes it, the page refreshes to the result
    body = browser.find_element(By.ID, "deliver-body")
    body.clear()
    body.send_keys('{"ok": true}')
    assert browser.find_element(By.ID, "deliver-corr").get_attribute("value") == "pay-order-paid"
    browser.find_element(By.ID, "deliver").click()
    _until(browser, lambda: "added to the inbox" in browser.find_element(By.ID, "flash").text, what="the deliver flash")
    result = _until(browser, lambda: browser.find_element(By.ID, "result").text, 30, what="the result to appear")
    assert '"amount": 21' in result and '"paid": true' in result
    assert browser.find_element(By.ID, "state").text == "completed"
    assert fleet.client.result(paid, timeout=5) == {"order": paid, "amount": 21, "paid": True}
    browser.save_screenshot(str(SHOTS / "03-instance-completed.png"))

    # Cancel (a confirm() dialog first)
    browser.get(f"{url}/instances/{dropped}")
    browser.find_element(By.ID, "cancel").click()
    browser.switch_to.alert.accept()
    _until(browser, lambda: browser.find_element(By.ID, "state").text == "cancelled", what="the cancel")
    assert fleet.client.status(dropped)["state"] == "cancelled"
    assert browser.find_element(By.ID, "cancel").get_attribute("disabled")
    browser.save_screenshot(str(SHOTS / "04-instance-cancelled.png"))

    # the Fleet page: processes, counts, and the chart with this test's activity in it
    def charted():
        browser.get(f"{url}/fleet")
        svg = browser.find_element(By.ID, "activity-chart")
        points = svg.find_elements(By.CSS_SELECTOR, "circle")
        return svg if len(points) >= 3 else None  # starts, parks, resumes/completions plotted

    svg = _until(browser, charted, 20, what="the chart to show the activity")
    assert svg.size["width"] > 300 and svg.size["height"] > 80
    series = {p.get_attribute("data-series") for p in svg.find_elements(By.CSS_SELECTOR, "polyline.series")}
    assert series == {"starts", "parks", "resumes", "completions"}
    assert "starts (2)" in svg.text and "completions (1)" in svg.text
    assert browser.find_element(By.CSS_SELECTOR, "#counts td[data-state='cancelled']").text == "1"
    assert "alive" in browser.find_element(By.ID, "listeners").text
    assert fleet.queue in browser.find_element(By.ID, "workers").text
    browser.save_screenshot(str(SHOTS / "05-fleet.png"))


def test_actions_without_the_token_are_refused(fleet):
    fleet.worker()
    mport = _free_port()
    url = _dashboard(fleet, "--metrics-port", str(mport))
    iid = fleet.client.start(SCRIPT, instance_id="order-kept")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="the park")
    req = urllib.request.Request(f"{url}/instances/{iid}/cancel", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 403
    req = urllib.request.Request(f"{url}/instances/{iid}/cancel", data=b"token=wrong", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 403
    assert fleet.client.status(iid)["state"] == "waiting"
    req = urllib.request.Request(f"{url}/instances/{iid}/cancel", data=b"", method="POST",
                                 headers={"X-Jactl-Token": TOKEN})
    urllib.request.urlopen(req, timeout=5)  # follows the 303 to the page
    assert fleet.client.status(iid)["state"] == "cancelled"
    # the dashboard's --metrics-port serves the fleet's gauges, read from Redis when scraped
    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=5).read().decode()
    assert 'jactl_instances{state="cancelled"} 1.0' in text and 'jactl_instances{state="waiting"} 0.0' in text
    assert f'jactl_queue_depth{{queue="{fleet.queue}"}} 0.0' in text


def test_one_dashboard_over_two_shards_in_a_browser(two_shards, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    f = two_shards
    worker, listener = f.spawn("worker"), f.spawn("listen")  # a child per shard each
    f.started(worker, 2)
    f.started(listener, 2)
    url = _dashboard(f, redis_url=f.url)
    c = f.client
    ids = [c.start(SCRIPT, instance_id=f"order-{n}@s{n % 2}") for n in range(4)]
    for iid in ids:
        f.parked(iid)

    browser.get(f"{url}/login?token={TOKEN}")
    Select(browser.find_element(By.ID, "state")).select_by_value("waiting")
    _until(browser, lambda: "state=waiting" in browser.current_url, what="htmx to refilter")
    rows = _until(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "tr.row[data-id]"), what="rows")
    assert {(r.get_attribute("data-id"), r.get_attribute("data-shard")) for r in rows} == {
        (i, str(c.shard_of(i))) for i in ids}
    assert "2 shards" in browser.find_element(By.ID, "shards-shown").text
    browser.save_screenshot(str(SHOTS / "06-two-shards-instances.png"))

    # an instance of shard 1: its page, and a reply delivered to its shard resumes it
    on1 = "order-1@s1"
    browser.find_element(By.LINK_TEXT, on1).click()
    _until(browser, lambda: browser.find_element(By.ID, "instance-id").text == on1, what="the instance page")
    assert browser.find_element(By.ID, "instance-shard").text == "1"
    body = browser.find_element(By.ID, "deliver-body")
    body.clear()
    body.send_keys('{"ok": true}')
    browser.find_element(By.ID, "deliver").click()
    result = _until(browser, lambda: browser.find_element(By.ID, "result").text, 30, what="the result to appear")
    assert '"paid": true' in result and c.result(on1, timeout=5)["paid"] is True

    # the Fleet page: a row per shard, with its own workers and counts, and the totals
    browser.get(f"{url}/fleet")
    table = browser.find_element(By.ID, "shards")
    shard_rows = table.find_elements(By.CSS_SELECTOR, "tr.shard-row.up")
    assert [r.get_attribute("data-shard") for r in shard_rows] == ["0", "1"]
    waiting = [r.find_element(By.CSS_SELECTOR, "td[data-state='waiting']").text for r in shard_rows]
    assert waiting == ["2", "1"]
    assert browser.find_element(By.CSS_SELECTOR, "#counts td[data-state='waiting']").text == "3"
    browser.save_screenshot(str(SHOTS / "07-two-shards-fleet.png"))

    # shard 1 stops: shown as down, shard 0's instances still listed
    f.servers[1].stop()
    browser.get(f"{url}/instances?state=waiting")
    banner = _until(browser, lambda: browser.find_element(By.ID, "shards-down"), what="the down banner")
    assert "shard 1 is down" in banner.text
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.row[data-id]")
    assert {r.get_attribute("data-id") for r in rows} == {"order-0@s0", "order-2@s0"}
    browser.save_screenshot(str(SHOTS / "08-two-shards-one-down.png"))
    browser.get(f"{url}/fleet")
    assert browser.find_element(By.CSS_SELECTOR, "tr.shard-row.down[data-shard='1']")
    assert "1/2 up" in browser.find_element(By.ID, "shards").text
