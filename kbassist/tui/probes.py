"""Live probes from a form, run in a background worker with live progress; cancellable."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker

from ..probes.base import Probe, ProbeResult
from ..probes.runner import ProbeEvent, run_all
from ..report.render import safe
from .i18n import _, tr
from .views import status_label

if TYPE_CHECKING:
    from .app import KbassistApp

KINDS = ("smtp", "tcp", "udp-refused")
DEFAULT_PORTS = {"smtp": "25", "tcp": "135", "udp-refused": ""}


def make_probe(kind: str, host: str, port_text: str, timeout_text: str) -> Probe:
    """A probe from the form's fields; ValueError (shown in the form) says what is wrong."""
    from ..probes.smtp import SmtpProbe
    from ..probes.tcp import TcpProbe
    from ..probes.udp import UdpRefusedProbe

    if not port_text.strip().isdigit():
        raise ValueError(_("the port must be a number"))
    try:
        timeout = float(timeout_text or "5")
    except ValueError:
        raise ValueError(_("the timeout must be a number of seconds")) from None
    port = int(port_text)
    if kind == "smtp":
        return SmtpProbe(host.strip(), port, timeout=timeout)
    if kind == "tcp":
        return TcpProbe(host.strip(), port, timeout=timeout)
    return UdpRefusedProbe(host.strip(), port, timeout=timeout)


def log_line(entry: ProbeEvent | str) -> str:
    """A line of the probe log, said in the current language each time it is shown."""
    if isinstance(entry, str):
        return entry
    probe = entry.probe
    if entry.kind == "started":
        line = "… " + _("{name} {target}: checking (up to {seconds} s)").format(
            name=probe.name, target=probe.target, seconds=f"{probe.timeout:g}"
        )
    else:
        result = entry.result
        assert result is not None
        line = "✔ " if result.status == "ok" else "✗ "
        line += _("{name} {target}: {status} — {message}").format(
            name=probe.name,
            target=probe.target,
            status=status_label(result.status),
            message=tr(result.message),
        )
    return safe(line)  # banners and messages come from the network


class ProbePanel(Vertical):
    def compose(self) -> ComposeResult:
        kb = cast("KbassistApp", self.app)
        labels = {
            "smtp": _("SMTP EHLO (X-LINK2STATE, XEXCH50)"),
            "tcp": _("TCP port open?"),
            "udp-refused": _("UDP: ICMP refusal or silence?"),
        }
        yield Select(
            [(labels[k], k) for k in KINDS], value="smtp", allow_blank=False, id="probe-kind"
        )
        with Horizontal(id="probe-target"):
            yield Input(placeholder=_("host"), id="probe-host")
            yield Input(value="25", placeholder=_("port"), id="probe-port", classes="short")
            yield Input(value="5", placeholder=_("seconds"), id="probe-timeout", classes="short")
        with Horizontal(id="probe-buttons"):
            yield Button(_("Run"), id="probe-run", variant="primary")
            yield Button(_("Cancel"), id="probe-cancel", disabled=not kb.probing)
        yield Label("", id="probe-error")
        with VerticalScroll(id="probe-log"):
            for entry in kb.probe_log:
                yield Static(Content(log_line(entry)), classes="probe-line")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "probe-kind" and isinstance(event.value, str):
            self.query_one("#probe-port", Input).value = DEFAULT_PORTS[event.value]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "probe-run":
            event.stop()
            self._start()
        elif event.button.id == "probe-cancel":
            event.stop()
            self.workers.cancel_group(self, "probes")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id and event.input.id.startswith("probe-"):
            event.stop()
            self._start()

    def _start(self) -> None:
        kind = self.query_one("#probe-kind", Select).value
        try:
            probe = make_probe(
                str(kind),
                self.query_one("#probe-host", Input).value,
                self.query_one("#probe-port", Input).value,
                self.query_one("#probe-timeout", Input).value,
            )
        except ValueError as exc:
            self.query_one("#probe-error", Label).update(Content(tr(exc.args[0])))
            return
        self.query_one("#probe-error", Label).update("")
        self.run_probes([probe])

    @work(exclusive=True, group="probes")
    async def run_probes(self, probes: list[Probe]) -> list[ProbeResult]:
        kb = cast("KbassistApp", self.app)
        kb.probing = True
        self.query_one("#probe-cancel", Button).disabled = False
        try:
            results = await run_all(probes, self._progress)
        finally:
            kb.probing = False
        kb.add_probe_results(results)
        return results

    def _progress(self, event: ProbeEvent) -> None:
        kb = cast("KbassistApp", self.app)
        kb.probe_log.append(event)  # not its text: the language may change
        log = self.query_one("#probe-log", VerticalScroll)
        log.mount(Static(Content(log_line(event)), classes="probe-line"))
        log.scroll_end(animate=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "probes" and event.worker.is_finished:
            self.query_one("#probe-cancel", Button).disabled = True
